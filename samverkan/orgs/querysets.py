from django.db import models


class OrganisationQuerySet(models.QuerySet):
    def companies(self) -> "OrganisationQuerySet":
        return self.filter(kind="company")

    def gms_parties(self) -> "OrganisationQuerySet":
        return self.filter(is_gms_party=True)
