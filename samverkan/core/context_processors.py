from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Infrastructure

# Roles by name: core imports no app, so it does not import accounts.Role.
ANYONE = "anyone"
LOGGED_IN = "logged_in"
STAFF = ("coordinator", "admin")
READ_ALL = ("coordinator", "admin", "viewer")
WRITERS = ("committee", "coordinator", "admin")
NETWORK = ("committee", "coordinator", "admin", "viewer")


@dataclass
class NavLink:
    label: Promise
    url: str
    # The key of the count the navigation fills in after the page has loaded, if any.
    count: str = ""
    current: bool = False


@dataclass
class NavGroup:
    key: str
    label: Promise
    links: list[NavLink] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)

    @property
    def count_keys(self) -> str:
        return " ".join(link.count for link in self.links if link.count)

    @property
    def url(self) -> str:
        return self.links[0].url


# The groups follow the work: what comes in, what it becomes, who it is with, what the
# committees need and the public sees, what it achieves, and the administration of it all.
# Each link: (label, url name, who sees it, the count it carries).
NAVIGATION: list[tuple[str, Promise, list[tuple[Promise, str, Any, str]]]] = [
    (
        "intake",
        _("Inquiries"),
        [
            (_("Inquiry queue"), "inquiries:list", LOGGED_IN, "inquiries"),
            (_("Send an inquiry"), "inquiries:new", ANYONE, ""),
            (_("Link requests"), "accounts:link_requests", STAFF, "link_requests"),
        ],
    ),
    (
        "collaborations",
        _("Collaborations"),
        [
            (_("Your organisation"), "accounts:home", ("company",), "approvals"),
            (_("Collaborations"), "collaborations:list", LOGGED_IN, ""),
            (_("Follow-ups due"), "collaborations:follow_ups", STAFF, ""),
            (_("Lessons learned"), "collaborations:lessons", STAFF, ""),
        ],
    ),
    (
        "network",
        _("Network"),
        [
            (_("Organisations"), "network:list", NETWORK, ""),
            (_("Events"), "network:events", NETWORK, ""),
            (_("Committees"), "orgs:committees", ANYONE, ""),
        ],
    ),
    (
        "needs",
        _("Needs and register"),
        [
            (_("Needs"), "needs:list", ANYONE, ""),
            (_("Write needs"), "needs:mine", WRITERS, ""),
            (_("Needs coverage"), "needs:coverage", NETWORK, ""),
            (_("Register"), "register:list", ANYONE, ""),
        ],
    ),
    (
        "effects",
        _("Effects and strategy"),
        [
            (_("Effects"), "effects:dashboard", READ_ALL, ""),
            (_("Reports"), "effects:reports", READ_ALL, ""),
            (_("Strategies"), "strategy:list", ANYONE, ""),
        ],
    ),
    (
        "admin",
        _("Administration"),
        [
            (_("Notifications"), "notifications:list", LOGGED_IN, ""),
            (_("API tokens"), "api_tokens:list", LOGGED_IN, ""),
            (_("Personal data"), "privacy:search", STAFF, ""),
            (_("Django admin"), "admin:index", ("admin",), ""),
        ],
    ),
]


def _may_see(user: Any, who: Any) -> bool:
    if who == ANYONE:
        return True
    if user is None:
        return False
    return who == LOGGED_IN or user.role in who


def navigation_for(user: Any, path: str) -> list[NavGroup]:
    """The groups and links this person may use, the one for this page marked current."""
    groups = []
    best: tuple[int, NavLink] | None = None
    for key, label, links in NAVIGATION:
        group = NavGroup(key, label)
        for link_label, url_name, who, count in links:
            if _may_see(user, who):
                link = NavLink(link_label, reverse(url_name), count)
                group.links.append(link)
                # The longest address that starts this page's address is the current one.
                if path.startswith(link.url) and (best is None or len(link.url) > best[0]):
                    best = (len(link.url), link)
        if group.links:
            groups.append(group)
    if best is not None:
        best[1].current = True
    return groups


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav_user = user if user is not None and user.is_authenticated else None
    return {"nav_user": nav_user, "nav_groups": navigation_for(nav_user, request.path)}


def infrastructure(request: HttpRequest) -> dict[str, Any]:
    """Who runs the platform, for every template (read once per request)."""
    return {"infrastructure": Infrastructure.current()}
