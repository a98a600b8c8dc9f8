"""Demo data that tells a believable story; loading it twice changes nothing.

Everything goes through the same actions people use, so the history, status changes and
e-mails look as they would in real use. The e-mails are marked as sent, not mailed.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from samverkan.accounts.models import Role, User
from samverkan.core.models import OutboundEmail
from samverkan.inquiries import actions
from samverkan.inquiries.models import Gate, Inquiry, PriorityCriterion, StatusChange
from samverkan.lib.orgnr import with_check_digit
from samverkan.orgs.models import Committee, Organisation
from samverkan.strategy.models import Goal

from .needs import load_committee_needs, needs_story

Status = Inquiry.Status


@dataclass(frozen=True)
class DemoCompany:
    name: str
    number: str = ""  # nine digits; the check digit is computed
    foreign: str = ""
    country: str = "SE"


COMPANIES = [
    DemoCompany("Nordisk Genomik AB", number="556701234"),
    DemoCompany("Helix Diagnostik AB", number="556812345"),
    DemoCompany("Skandinavisk Bioinformatik AB", number="559012345"),
    DemoCompany("Farmanord AB", number="556923456"),
    DemoCompany("Lund MedTech AB", number="559134567"),
    DemoCompany("Aurora Sequencing Oy", foreign="FI28765432", country="FI"),
    DemoCompany("Rhein Precision Pharma GmbH", foreign="DE812345678", country="DE"),
    DemoCompany("Uppsala Biomarkör AB", number="559245678"),
]

# (language, title, description, kinds, mutual benefit)
TOPICS = [
    (
        "sv",
        "Snabb helgenomsekvensering på neonatal intensivvård",
        "Vi vill tillsammans med GMS utvärdera snabb helgenomsekvensering för svårt sjuka "
        "nyfödda, med svar inom 48 timmar och gemensam varianttolkning.",
        ["research", "pilot"],
        "Snabbare diagnos för barn med sällsynta sjukdomar.",
    ),
    (
        "en",
        "Liquid biopsy panel for lung cancer follow-up",
        "We propose a joint validation of our circulating tumour DNA panel for monitoring "
        "treatment response in non-small-cell lung cancer at two GMCs.",
        ["testing", "clinical_study"],
        "Validated data for us; earlier relapse detection for care.",
    ),
    (
        "sv",
        "AI-stöd för varianttolkning i nationella plattformen",
        "Vi erbjuder vår programvara för maskininlärningsbaserad prioritering av varianter och "
        "vill testa den mot GMS kunskapsdatabas.",
        ["development", "testing"],
        "Kortare tolkningstid och förbättrad programvara.",
    ),
    (
        "en",
        "Pharmacogenomic testing before prescribing",
        "A pilot of pre-emptive pharmacogenetic testing with decision support in the electronic "
        "health record for patients starting antidepressants.",
        ["pilot"],
        "Fewer adverse drug reactions; real-world evidence for the test.",
    ),
    (
        "sv",
        "Utbildning i genomisk medicin för primärvården",
        "Vi vill ta fram webbkurser och workshops om ärftlighet och gentester för "
        "primärvårdens läkare och sjuksköterskor.",
        ["education"],
        "Bättre remisser och kunskap i hela vårdkedjan.",
    ),
    (
        "en",
        "Joint Horizon Europe application on AML minimal residual disease",
        "We invite GMS to a consortium applying for Horizon Europe funding to standardise "
        "measurable residual disease testing in acute myeloid leukaemia.",
        ["funding_application", "research"],
        "Shared funding and a European standard.",
    ),
    (
        "sv",
        "Sekvensering för utbrottsövervakning av resistenta bakterier",
        "Vi föreslår ett gemensamt projekt för helgenomsekvensering av antibiotikaresistenta "
        "bakterier och smittspårning mellan sjukhus.",
        ["research", "development"],
        "Snabbare smittspårning och ett testat arbetsflöde.",
    ),
    (
        "en",
        "Polygenic risk scores for cardiovascular prevention",
        "A study of how polygenic risk scores can be combined with clinical risk factors to "
        "find people who benefit from early prevention of heart disease.",
        ["research"],
        "Evidence for prevention programmes and for our risk model.",
    ),
    (
        "sv",
        "Transkriptomsekvensering av barntumörer",
        "Vi erbjuder reagenser och analys för RNA-sekvensering av tumörer hos barn, som "
        "komplement till helgenomsekvensering.",
        ["research", "testing"],
        "Fler barn får en molekylär diagnos.",
    ),
    (
        "en",
        "Cloud platform for secure genomic data sharing",
        "We propose testing our cloud platform for secure, federated analysis of genomic data "
        "across regions, meeting Swedish data protection requirements.",
        ["testing", "development"],
        "A tested national infrastructure option.",
    ),
    (
        "sv",
        "Hälsoekonomisk utvärdering av genpaneler",
        "Vi vill göra en gemensam hälsoekonomisk studie av kostnadseffektiviteten för breda "
        "genpaneler vid solida tumörer.",
        ["research"],
        "Underlag för införande och ersättning.",
    ),
    (
        "en",
        "Companion diagnostic in a phase II precision oncology trial",
        "We seek sites for a company-initiated phase II trial where patients are selected by "
        "a companion diagnostic based on tumour sequencing.",
        ["clinical_study"],
        "More patients in clinical studies in Sweden.",
    ),
    (
        "sv",
        "Kaskadtestning av släktingar vid ärftlig bröstcancer",
        "Ett pilotprojekt med digitalt stöd för att nå släktingar till BRCA-bärare och "
        "erbjuda genetisk utredning.",
        ["pilot", "development"],
        "Fler anlagsbärare hittas i tid.",
    ),
    (
        "en",
        "Long-read sequencing for repeat expansion disorders",
        "We propose evaluating long-read sequencing to diagnose repeat expansion disorders "
        "that short reads miss, on samples from rare-disease patients.",
        ["testing", "research"],
        "Higher diagnostic yield; validation data for us.",
    ),
    (
        "sv",
        "Gemensam Vinnova-ansökan om precisionsdiagnostik",
        "Vi vill söka medel från Vinnova tillsammans med GMS och två andra företag för att "
        "utveckla precisionsdiagnostik för hematologiska sjukdomar.",
        ["funding_application"],
        "Finansiering och ett brett konsortium.",
    ),
    (
        "en",
        "Biobank sample access for biomarker discovery",
        "Request for collaboration on biomarker discovery using consented biobank samples "
        "linked to genomic data.",
        ["research"],
        "New biomarkers; the company gains data access under agreement.",
    ),
    (
        "sv",
        "Standardiserade rapportmallar för genetiska analyser",
        "Vi erbjuder att utveckla strukturerade rapportmallar enligt FHIR för genetiska "
        "analyssvar, så att de kan läsas i alla journalsystem.",
        ["development"],
        "Interoperabla svar i hela landet.",
    ),
    (
        "en",
        "Webinar series on genomics for industry",
        "A joint webinar series where GMS experts and companies exchange knowledge on "
        "genomic medicine in Swedish healthcare.",
        ["education"],
        "Knowledge exchange both ways.",
    ),
    (
        "sv",
        "Patientinformation om genetisk testning",
        "Vi vill tillsammans med patientorganisationer ta fram lättläst information om "
        "genetiska tester och samtycke.",
        ["education", "other"],
        "Bättre informerade patienter.",
    ),
    (
        "en",
        "Exclusive access to GMS variant data",
        "We would like exclusive rights to the national variant database for five years in "
        "return for funding a data engineer.",
        ["other"],
        "Funding for a data engineer.",
    ),
    (
        "sv",
        "Automatiserad provberedning för sekvenseringslabb",
        "Vi vill testa vår robot för automatiserad DNA-extraktion och biblioteksberedning i "
        "två av GMS laboratorier.",
        ["testing"],
        "Högre kapacitet i labben och validering för oss.",
    ),
    (
        "en",
        "Screening newborns for treatable genetic conditions",
        "A research collaboration on genomic newborn screening for treatable conditions, "
        "including ethics and consent questions.",
        ["research", "pilot"],
        "Evidence on benefits and risks of genomic screening.",
    ),
    (
        "sv",
        "Metagenomik för snabb sepsisdiagnostik",
        "Ett utvecklingsprojekt för metagenomisk sekvensering direkt från blod vid sepsis på "
        "intensivvårdsavdelningar.",
        ["development", "clinical_study"],
        "Rätt antibiotika snabbare.",
    ),
    (
        "en",
        "Decision support for tumour boards",
        "We propose piloting our software that summarises tumour sequencing results and "
        "matching trials for molecular tumour boards.",
        ["pilot", "development"],
        "Faster tumour boards; feedback for our product.",
    ),
]

# The path each inquiry takes; three topics per final state.
PATHS: dict[str, list[str]] = {
    Status.RECEIVED: [],
    Status.TRIAGE: ["assign"],
    Status.AWAITING_INFO: ["assign", "ask"],
    Status.ASSESSMENT: ["assign", "route", "assess"],
    Status.PARKED: ["assign", "route", "park"],
    Status.ACCEPTED: ["assign", "route", "assess", "accept"],
    Status.DECLINED: ["assign", "route", "assess_fail", "decline"],
    Status.WITHDRAWN: ["assign", "ask", "withdraw"],
}

# (committee, title, description, kind, English title, English description)
USERS = [
    ("coordinator", Role.COORDINATOR, "Karin", "Lindqvist", ["innovation_industry"]),
    (
        "committee",
        Role.COMMITTEE,
        "Erik",
        "Sandberg",
        ["rare_diseases", "solid_tumours", "informatics"],
    ),
    # A member of a regional centre (GMC Syd, see `needs.needs_story`), in no committee.
    ("centre", Role.COMMITTEE, "Lena", "Berg", []),
    ("company", Role.COMPANY, "Sara", "Holm", []),
    ("viewer", Role.VIEWER, "Anders", "Ek", []),
    ("admin", Role.ADMIN, "Maria", "Nilsson", []),
]


# A regional centre's own need, written by the centre member.
def _user(username: str, role: str, first: str, last: str, password: str) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "first_name": first,
            "last_name": last,
            "email": f"{username}@demo.samverkan.se",
        },
    )
    if role == Role.ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    # Accounts made by the platform's staff are trusted: their address counts as verified.
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def _organisation(company: DemoCompany) -> Organisation:
    number = with_check_digit(company.number) if company.number else ""
    if number:
        org, _ = Organisation.objects.get_or_create(
            organisation_number=number, defaults={"name": company.name}
        )
    else:
        org, _ = Organisation.objects.get_or_create(
            country=company.country,
            foreign_identifier=company.foreign,
            defaults={"name": company.name},
        )
    return org


def _assess(inquiry: Inquiry, actor: User, *, gates_pass: bool) -> None:
    gates = list(Gate.objects.all())
    criteria = list(PriorityCriterion.objects.all())
    goals = list(Goal.objects.filter(number__in=[1, 3]))
    for routing in inquiry.routings.select_related("committee"):
        failing = {"non_exclusive"} if not gates_pass else set()
        data = actions.AssessmentInput(
            gates={
                g.pk: (
                    g.slug not in failing,
                    "" if g.slug not in failing else "Företaget begär exklusiv tillgång.",
                )
                for g in gates
            },
            scores={c.pk: (inquiry.pk + i) % (c.max_score + 1) for i, c in enumerate(criteria)},
            goals=goals,
            comment="Bedömd vid utskottets möte.",
        )
        actions.do_save_assessment(inquiry, routing.committee, actor, data)


def _walk(inquiry: Inquiry, steps: list[str], coordinator: User, member: User) -> None:
    from samverkan.inquiries.matching import suggest_committees

    for step in steps:
        inquiry.refresh_from_db()
        if step == "assign":
            actions.do_assign_inquiry(inquiry, coordinator)
        elif step == "ask":
            actions.do_request_information(
                inquiry,
                coordinator,
                "Kan ni beskriva vilka resurser ni bidrar med och hur projektet ska utvärderas?",
            )
        elif step == "route":
            matches = suggest_committees(f"{inquiry.title} {inquiry.description}", limit=2)
            committees = [m.key for m in matches] or [Committee.objects.get(slug="informatics")]
            actions.do_route_inquiry(inquiry, coordinator, committees)
        elif step in {"assess", "assess_fail"}:
            _assess(inquiry, coordinator, gates_pass=step == "assess")
        elif step == "accept":
            actions.do_decide_inquiry(inquiry, coordinator, Status.ACCEPTED)
        elif step == "decline":
            actions.do_decide_inquiry(
                inquiry,
                coordinator,
                Status.DECLINED,
                reason="GMS ingår inte exklusiva samarbeten, så vi kan inte gå vidare med "
                "förslaget i denna form.",
            )
        elif step == "park":
            actions.do_decide_inquiry(
                inquiry, coordinator, Status.PARKED, reason="Vi återkommer efter sommaren."
            )
        elif step == "withdraw":
            actions.do_decide_inquiry(
                inquiry, coordinator, Status.WITHDRAWN, reason="Företaget drog tillbaka förslaget."
            )


# Days between an inquiry's steps: most are answered within 10 working days, some not.
PACES = (1, 2, 4, 6, 9, 12, 16)


# How many days ago each final state's three inquiries were sent, counted from the day the
# demo is loaded: the open queue is days and weeks old, the decided ones spread over the
# last two years so the effects have a previous period to compare with.
DAYS_AGO: dict[str, tuple[int, int, int]] = {
    Status.RECEIVED: (1, 4, 9),
    Status.TRIAGE: (6, 13, 20),
    Status.AWAITING_INFO: (11, 24, 38),
    Status.ASSESSMENT: (16, 33, 52),
    Status.PARKED: (75, 140, 230),
    Status.ACCEPTED: (120, 290, 470),
    Status.DECLINED: (95, 260, 430),
    Status.WITHDRAWN: (60, 330, 560),
}


def _sent_at(days_ago: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days_ago, hours=3)


def _backdate(inquiry: Inquiry, days_ago: int, pace: int = 3) -> None:
    """Spread the story over time so ages, queues and dashboards look lived-in."""
    start = _sent_at(days_ago)
    first_answer = decided = None
    for step, change in enumerate(inquiry.status_changes.order_by("pk")):
        when = start + datetime.timedelta(days=min(step * pace, max(days_ago - 1, 0)))
        StatusChange.objects.filter(pk=change.pk).update(changed_at=when)
        if first_answer is None and change.to_status not in {Status.RECEIVED, Status.TRIAGE}:
            first_answer = when
        if change.to_status in {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN}:
            decided = when
    # The answer and the decision happened on those days too, not on the day of loading.
    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=start, first_response_at=first_answer, decided_at=decided
    )


# (title, kind, status, start in months from today, months, companies, GMS parties,
# committees, funding); a call's "{year}" is the year the collaboration starts.
COLLABORATIONS: list[tuple[Any, ...]] = [
    (
        "Nationell variantdatabas i molnet",
        "development",
        "completed",
        -30,
        24,
        [2, 5],
        ["Region Stockholm", "Karolinska Institutet"],
        ["informatics"],
        [("vinnova", "Precisionshälsa {year}", 4_800_000, 4_200_000, "SEK", "granted")],
    ),
    (
        "Snabb helgenomsekvensering för nyfödda",
        "pilot",
        "active",
        -20,
        30,
        [0],
        ["Region Skåne", "Lunds universitet"],
        ["rare_diseases"],
        [("horizon_europe", "HORIZON-HLTH-{year}", 1_200_000, None, "EUR", "submitted")],
    ),
    (
        "Farmakogenetiska tester före förskrivning",
        "clinical_study",
        "active",
        -1,
        24,
        [3],
        ["Region Uppsala", "Uppsala universitet"],
        ["pharmacogenomics"],
        [],
    ),
    (
        "Utbildning i genomik för primärvården",
        "education",
        "planned",
        2,
        12,
        [4, 7],
        ["Västra Götalandsregionen"],
        ["education"],
        [("vr", "Forskningsmiljöer {year}", 3_000_000, None, "SEK", "planned")],
    ),
    (
        "Flytande biopsi vid lungcancer",
        "testing",
        "ended_early",
        -14,
        18,
        [6],
        ["Region Östergötland"],
        ["solid_tumours"],
        [("vinnova", "Innovationer för framtidens hälsa", 2_000_000, 0, "SEK", "rejected")],
    ),
    # Started, then the company withdrew before anything was signed: the register keeps a
    # public stub saying so.
    (
        "AI-stöd för varianttolkning",
        "development",
        "withdrawn",
        -3,
        12,
        [1],
        ["Region Stockholm"],
        ["informatics"],
        [],
    ),
]


def _months_from_today(months: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=round(months * 30.44))


def _collaboration_story(users: dict[str, User], orgs: list[Organisation]) -> int:
    """Collaborations in every status with parties, funding, agreements, communication and
    follow-ups, spread over the last years and dated from today: whatever is still active
    ends in the future, whatever has ended is completed or ended early."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from samverkan.agreements import actions as agreement_actions
    from samverkan.agreements.models import Agreement, AgreementPrinciple
    from samverkan.collaborations import actions as collab
    from samverkan.collaborations.models import Collaboration, FollowUp
    from samverkan.inquiries.models import Gate
    from samverkan.orgs.models import Contact
    from samverkan.register import actions as register_actions

    coordinator = users["coordinator"]
    created = 0
    for (
        title,
        kind,
        status,
        start,
        months,
        companies,
        parties,
        committees,
        funding,
    ) in COLLABORATIONS:
        if Collaboration.objects.filter(title=title).exists():
            continue
        created += 1
        start_date = _months_from_today(start)
        end_date = start_date + datetime.timedelta(days=months * 30)
        collaboration = collab.do_create_collaboration(
            coordinator,
            collab.CollaborationData(
                title=title,
                kind=kind,
                start_date=start_date,
                end_date=end_date,
                summary=f"{title}: ett samarbete mellan Genomic Medicine Sweden och näringslivet.",
                internal_notes="Budget och kontaktuppgifter i avtalet.",
                committees=list(Committee.objects.filter(slug__in=committees)),
                goals=list(Goal.objects.filter(number__in=[1, 3])),
            ),
        )
        company_orgs = [orgs[i] for i in companies]
        gms_orgs = list(Organisation.objects.filter(name__in=parties))
        for org in company_orgs:
            approver = users["company"] if org == orgs[0] else None
            # Companies without an account take part through their contact person's
            # personal links.
            contact, _new = Contact.objects.get_or_create(
                organisation=org,
                email=f"projekt@{org.name.split()[0].lower()}.example",
                defaults={"name": f"Projektledare {org.name.split()[0]}"},
            )
            collab.do_save_party(
                collaboration,
                coordinator,
                collab.PartyData(
                    org,
                    "company",
                    resources="Reagenser och två forskare.",
                    approver=approver,
                    contact=contact,
                ),
            )
        for org in gms_orgs:
            collab.do_save_party(
                collaboration,
                coordinator,
                collab.PartyData(
                    org, "infrastructure_party", resources="Prover, kliniska data och analys."
                ),
            )
        for funder, call, applied, granted, currency, f_status in funding:
            collab.do_save_funding_application(
                collaboration,
                coordinator,
                collab.FundingData(
                    funder=funder,
                    call=call.format(year=start_date.year),
                    amount_applied=applied,
                    amount_granted=granted,
                    currency=currency,
                    status=f_status,
                    applicants=[*company_orgs, *gms_orgs],
                    submitted_on=start_date if f_status != "planned" else None,
                ),
            )
        if status == "planned":
            continue
        # Started by GMS itself, not from an inquiry: the gates are recorded on it.
        collab.do_record_collaboration_gates(
            collaboration,
            coordinator,
            {gate.pk: (True, "Bedömt av innovationsutskottet.") for gate in Gate.objects.all()},
        )
        if status == "withdrawn":
            collab.do_change_collaboration_status(collaboration, coordinator, "active")
            collab.do_change_collaboration_status(collaboration, coordinator, "ended_early")
            register_actions.do_withdraw_from_register(
                collaboration,
                coordinator,
                "Företaget drog sig ur innan något avtal tecknades.",
            )
            continue
        agreement = agreement_actions.do_save_agreement(
            collaboration,
            coordinator,
            agreement_actions.AgreementData(
                kind="collaboration",
                title=f"Samarbetsavtal: {title}",
                parties=[*company_orgs, *gms_orgs],
                valid_from=start_date,
                valid_to=end_date + datetime.timedelta(days=60),
                terms="Resultat ägs gemensamt; publicering fri efter 60 dagar.",
            ),
        )
        agreement_actions.do_upload_agreement_document(
            agreement,
            coordinator,
            SimpleUploadedFile("samarbetsavtal.pdf", b"%PDF-1.4\n% demo agreement\n"),
        )
        answers = {p.slug: ("yes", "") for p in AgreementPrinciple.objects.all()}
        justifications = {}
        if status == "ended_early":
            # A "no" that the principle allows, with its written justification.
            allowed = AgreementPrinciple.objects.filter(blocks_signing=False).first()
            if allowed is not None:
                answers[allowed.slug] = ("no", "Avviker från grundprincipen.")
                justifications[allowed.slug] = (
                    "Företaget behöver 90 dagar för patentansökan innan publicering."
                )
        agreement_actions.do_answer_principles(
            agreement, coordinator, answers, justifications=justifications
        )
        agreement_actions.do_change_agreement_status(
            agreement, coordinator, Agreement.Status.SIGNED, signed_on=start_date
        )
        collab.do_change_collaboration_status(collaboration, coordinator, "active")
        if status == "active" and funding:
            # A funder's decision not yet public: withheld, with the reason shown.
            reasons = list(register_actions.withholding_reasons())
            if "funding" in register_actions.withholdable_fields() and reasons:
                register_actions.do_withhold_fields(
                    collaboration, coordinator, {"funding": reasons[-1]}
                )
        activity = collab.do_save_communication(
            collaboration,
            coordinator,
            collab.CommunicationData(
                kind="press_release",
                title=f"{title} startar",
                text=f"Genomic Medicine Sweden (GMS) och näringslivet startar projektet {title}.",
                planned_date=start_date,
                channel="genomicmedicine.se",
            ),
        )
        for org in company_orgs + gms_orgs:
            approver = users["company"] if org == orgs[0] else coordinator
            if org.kind == "company" and org != orgs[0]:
                continue  # that company has not answered yet: the draft waits
            collab.do_decide_communication(activity, approver, org, "approved")
        collab.do_save_communication(
            collaboration,
            coordinator,
            collab.CommunicationData(
                kind="news",
                title="Halvtidsrapport",
                text="Projektet har nått halvtid.",
                planned_date=start_date + datetime.timedelta(days=months * 15),
            ),
        )
        today = timezone.localdate()
        for follow_up in collaboration.follow_ups.filter(due_date__lt=today, kind="interim"):
            collab.do_record_follow_up(
                follow_up,
                coordinator,
                collab.FollowUpRecord(
                    held_on=follow_up.due_date,
                    participants="Projektledare från alla parter",
                    what_worked="Tät kontakt och tydlig arbetsfördelning.",
                    what_to_change="Avtalet borde ha tecknats tidigare.",
                    lessons="Börja avtalsarbetet parallellt med projektplanen.",
                    would_collaborate_again=4,
                ),
            )
        if status == "completed":
            final = collaboration.follow_ups.get(kind=FollowUp.Kind.FINAL)
            if final.due_date > today:
                final.due_date = today
                final.save(update_fields=["due_date"])
            collab.do_record_follow_up(
                final,
                coordinator,
                collab.FollowUpRecord(
                    held_on=min(final.due_date, today),
                    participants="Alla parter",
                    what_worked="Gemensam databas i drift i alla sju regioner.",
                    lessons="Skalbara lösningar kräver tidig förankring hos alla GMC.",
                    would_collaborate_again=5,
                ),
            )
            collab.do_answer_follow_up(
                final,
                coordinator,
                company_orgs[0],
                value_created="Referenskund och publicerad validering.",
            )
            collab.do_change_collaboration_status(collaboration, coordinator, "completed")
        elif status == "ended_early":
            collab.do_change_collaboration_status(collaboration, coordinator, "ended_early")
    return created


def _register_story(coordinator: User) -> None:
    """Every started collaboration entered the register by itself; the older ones are past
    their correction period and public, one still waits in its preview."""
    from samverkan.register.actions import publish_due_entries
    from samverkan.register.models import RegisterEntry

    entries = RegisterEntry.objects.select_related("collaboration").filter(
        state=RegisterEntry.State.PREVIEW
    )
    for entry in entries:
        collaboration = entry.collaboration
        if collaboration.status != "active" or not collaboration.title.startswith("Farmako"):
            RegisterEntry.objects.filter(pk=entry.pk).update(preview_until=collaboration.start_date)
    publish_due_entries(timezone.localdate())


STRATEGY_LINKS = {
    "Nationell variantdatabas i molnet": ["2.2", "6.4"],
    "Snabb helgenomsekvensering för nyfödda": ["4.4"],
    "Farmakogenetiska tester före förskrivning": ["4.2"],
    "Utbildning i genomik för primärvården": ["7.1"],
    "Flytande biopsi vid lungcancer": ["4.4"],
}


def _strategy_story(coordinator: User) -> None:
    """Link the collaborations to the national points they serve, when strategies are loaded."""
    from samverkan.collaborations.models import Collaboration
    from samverkan.strategy.actions import do_link_collaboration
    from samverkan.strategy.models import Point, PointCollaboration

    points = {
        p.number: p for p in Point.objects.filter(strategy__slug="nationell-life-science-strategi")
    }
    if not points:
        return
    for title, numbers in STRATEGY_LINKS.items():
        collaboration = Collaboration.objects.filter(title=title).first()
        for number in numbers:
            point = points.get(number)
            if collaboration is None or point is None:
                continue
            if not PointCollaboration.objects.filter(
                point=point, collaboration=collaboration
            ).exists():
                do_link_collaboration(coordinator, point, collaboration)


# (title, kind, months from today, place)
EVENTS = [
    ("Industridag precisionsmedicin", "industry_day", -26, "Stockholm"),
    ("Webbinarium: helgenomsekvensering i vården", "webinar", -20, ""),
    ("Workshop: datadelning och GDPR", "workshop", -10, "Göteborg"),
]
MEMBERSHIPS = {0: "Lif", 1: "Swedish Labtech", 2: "SwedenBIO", 3: "Lif", 4: "Swedish Medtech"}


def _network_story(users: dict[str, User], orgs: list[Organisation]) -> None:
    """Events, meetings and association memberships: the network GMS keeps."""
    from samverkan.orgs.models import AssociationMembership, Event, EventParticipant, Interaction

    for index, association in MEMBERSHIPS.items():
        AssociationMembership.objects.get_or_create(
            organisation=orgs[index],
            association=Organisation.objects.get(name=association, kind="association"),
        )
    for number, (title, kind, months, place) in enumerate(EVENTS):
        event, created = Event.objects.get_or_create(
            title=title,
            defaults={"kind": kind, "date": _months_from_today(months), "location": place},
        )
        if not created:
            continue
        EventParticipant.objects.create(
            event=event,
            organisation=Organisation.objects.get(name="Region Skåne"),
            user=users["coordinator"],
        )
        for org in orgs[number : number + 4]:
            EventParticipant.objects.create(event=event, organisation=org)
            Interaction.objects.create(
                organisation=org,
                kind="event",
                date=event.date,
                subject=event.title,
                event=event,
                created_by=users["coordinator"],
            )
    for org in orgs[:5]:
        Interaction.objects.get_or_create(
            organisation=org,
            kind="meeting",
            subject="Introduktionsmöte",
            defaults={
                "date": _months_from_today(-15),
                "created_by": users["coordinator"],
                "notes": "Presentation av GMS och företagets verksamhet.",
            },
        )


def load_demo(password: str) -> dict[str, int]:
    """Load the story once; texts the actions compose (histories, notifications, e-mails)
    are written in the platform's own language, whatever language the caller has active."""
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        return _load_demo(password)


def _load_demo(password: str) -> dict[str, int]:
    users = {name: _user(name, role, first, last, password) for name, role, first, last, _ in USERS}
    for name, _role, _first, _last, committees in USERS:
        for slug in committees:
            Committee.objects.get(slug=slug).members.add(users[name])
    orgs = [_organisation(c) for c in COMPANIES]
    company_user = users["company"]
    if company_user.organisation_id != orgs[0].pk:
        company_user.organisation = orgs[0]
        company_user.save(update_fields=["organisation"])

    load_committee_needs(users["committee"])

    first_email = OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    created = 0
    # Sent in the order they arrived, so each year's references count up with the days.
    plan = [
        (days_ago, 3 * number + i, steps)
        for number, (status, steps) in enumerate(PATHS.items())
        for i, days_ago in enumerate(DAYS_AGO[status])
    ]
    for days_ago, index, steps in sorted(plan, key=lambda item: -item[0]):
        language, title, description, kinds, benefit = TOPICS[index]
        company = COMPANIES[index % len(COMPANIES)]
        org = orgs[index % len(orgs)]
        data = actions.IntakeData(
            organisation_name=org.name,
            organisation_number=org.organisation_number,
            foreign_identifier=company.foreign,
            country=company.country,
            contact_name=f"Kontakt {org.name.split()[0]}",
            contact_email=f"kontakt{index}@example.com",
            title=title,
            description=description,
            kinds=kinds,
            mutual_benefit=benefit,
            resources_offered="Personal, utrustning och analyskostnader.",
            operations_in_sweden=company.country == "SE",
        )
        inquiry, is_new = actions.do_submit_inquiry(
            data,
            language=language,
            idempotency_key=f"demo:{index}",
            submitted_at=_sent_at(days_ago),
        )
        if is_new:
            created += 1
            _walk(inquiry, steps, users["coordinator"], users["committee"])
            _backdate(inquiry, days_ago=days_ago, pace=PACES[index % len(PACES)])
    collaborations = _collaboration_story(users, orgs)
    needs_story(users, orgs)
    _register_story(users["coordinator"])
    _strategy_story(users["coordinator"])
    _network_story(users, orgs)
    # Demo e-mails are history, not news: nobody should receive them.
    OutboundEmail.objects.filter(pk__gt=first_email).update(
        status=OutboundEmail.Status.SENT, sent_at=timezone.now()
    )
    return {
        "users": len(users),
        "organisations": len(orgs),
        "inquiries created": created,
        "collaborations created": collaborations,
    }
