"""Collaborations and their parts over HTTP, with the same permissions as the pages."""

from ninja import Router

router = Router(tags=["collaborations"])
