"""The demo's needs: each committee's published needs, and the story of needs in every
state (open, being addressed by an inquiry or a collaboration, met, closed) with a
regional centre's own need answered by a collaboration it joins."""

from samverkan.accounts.models import User
from samverkan.inquiries import actions
from samverkan.needs.models import Need
from samverkan.orgs.models import Committee, Organisation

NEEDS = [
    (
        "rare_diseases",
        "Långläsande sekvensering för svårdiagnostiserade patienter",
        "Utskottet söker partner för att utvärdera långläsande sekvensering där kortläst "
        "helgenomsekvensering inte ger svar.",
        "testing",
        "Long-read sequencing for patients without a diagnosis",
        "The committee seeks partners to evaluate long-read sequencing where short-read whole "
        "genome sequencing gives no answer.",
    ),
    (
        "informatics",
        "Skalbar lagring och beräkning för genomikdata",
        "Vi behöver lösningar för säker lagring och analys av petabyte genomikdata, "
        "gärna molnbaserade och i enlighet med GDPR.",
        "development",
        "Scalable storage and computing for genomic data",
        "We need solutions for secure storage and analysis of petabytes of genomic data, "
        "preferably cloud-based and compliant with the GDPR.",
    ),
    (
        "education",
        "Digital utbildning om genomik för vårdpersonal",
        "Utskottet vill samarbeta kring webbkurser och interaktivt material om genomisk medicin.",
        "education",
        "Digital training in genomics for healthcare staff",
        "The committee wants to collaborate on online courses and interactive material about "
        "genomic medicine.",
    ),
    (
        "solid_tumours",
        "Flytande biopsi för uppföljning av behandling",
        "Vi söker samarbete om validering av ctDNA-analyser för att följa behandlingssvar "
        "vid solida tumörer.",
        "clinical_study",
        "Liquid biopsy to follow treatment",
        "We seek collaboration on validating ctDNA assays that follow treatment response in "
        "solid tumours.",
    ),
]


def load_committee_needs(author: User) -> None:
    """The committees' published needs, written by the demo's committee member."""
    for slug, title, description, kind, title_en, description_en in NEEDS:
        Need.objects.get_or_create(
            committee=Committee.objects.get(slug=slug),
            title=title,
            defaults={
                "description": description,
                "title_en": title_en,
                "description_en": description_en,
                "kind": kind,
                "status": Need.Status.PUBLISHED,
                "created_by": author,
            },
        )


CENTRE_NEED = (
    "syd",
    "Snabb genomisk diagnostik nära patienten i Skåne",
    "GMC Syd söker företag som vill pröva snabb sekvensering och tolkning på plats vid "
    "regionens sjukhus, så att svaret når vården inom ett dygn.",
    "pilot",
    "Rapid genomic diagnostics near the patient in Skåne",
    "GMC South seeks companies that want to try rapid sequencing and interpretation on site "
    "at the region's hospitals, so that the answer reaches care within a day.",
)


def needs_story(users: dict[str, User], orgs: list[Organisation]) -> None:
    """Needs in every state, through the needs' actions: open (education), being addressed
    by an inquiry (rare diseases) and by a collaboration (the centre's own need, which
    brings GMC Syd into the newborn sequencing pilot as a party), met (informatics, by the
    completed variant database) and closed (solid tumours, after the lung-cancer project
    ended early). Safe to run again: each step is taken only once."""
    from samverkan.collaborations.models import Collaboration
    from samverkan.needs import actions as need_actions
    from samverkan.orgs.models import Centre

    coordinator, member, centre_member = users["coordinator"], users["committee"], users["centre"]
    centre = Centre.objects.get(slug=CENTRE_NEED[0])
    centre.members.add(centre_member)
    centre_need = Need.objects.filter(centre=centre, title=CENTRE_NEED[1]).first()
    if centre_need is None:
        centre_need = need_actions.do_save_need(
            centre_member,
            need_actions.NeedData(
                committee=None,
                centre=centre,
                title=CENTRE_NEED[1],
                description=CENTRE_NEED[2],
                kind=CENTRE_NEED[3],
                title_en=CENTRE_NEED[4],
                description_en=CENTRE_NEED[5],
                contact_committee=Committee.objects.get(slug="rare_diseases"),
                status=Need.Status.PUBLISHED,
            ),
        )

    def need(title: str) -> Need:
        return Need.objects.get(title=title)

    def link(need_row: Need, collaboration_title: str) -> None:
        collaboration = Collaboration.objects.get(title=collaboration_title)
        if not need_row.collaborations.filter(pk=collaboration.pk).exists():
            need_actions.do_link_collaboration(need_row, coordinator, collaboration)

    def move(need_row: Need, status: str, actor: User) -> None:
        need_row.refresh_from_db()
        if need_row.status != status:
            need_actions.do_change_need_status(need_row, actor, status)

    link(centre_need, "Snabb helgenomsekvensering för nyfödda")

    rare = need("Långläsande sekvensering för svårdiagnostiserade patienter")
    org = orgs[1]
    actions.do_submit_inquiry(
        actions.IntakeData(
            organisation_name=org.name,
            organisation_number=org.organisation_number,
            foreign_identifier=org.foreign_identifier,
            country=org.country,
            contact_name=f"Kontakt {org.name.split()[0]}",
            contact_email="langlasning@example.com",
            title="Långläsning för patienter utan diagnos",
            description="Vi erbjuder långläsande sekvensering och tolkning för patienter där "
            "helgenomsekvensering inte har gett något svar.",
            kinds=["testing"],
            resources_offered="Sekvenseringskapacitet och två bioinformatiker.",
            mutual_benefit="Fler diagnoser för utskottet, klinisk erfarenhet för oss.",
            operations_in_sweden=org.country == "SE",
            need=rare,
        ),
        language="sv",
        idempotency_key="demo:need:rare",
    )

    storage = need("Skalbar lagring och beräkning för genomikdata")
    link(storage, "Nationell variantdatabas i molnet")
    move(storage, Need.Status.MET, member)

    biopsy = need("Flytande biopsi för uppföljning av behandling")
    link(biopsy, "Flytande biopsi vid lungcancer")
    move(biopsy, Need.Status.CLOSED, member)
