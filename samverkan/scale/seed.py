"""National-scale data: many organisations, inquiries and collaborations, quickly.

The rows are written straight to their tables (COPY on PostgreSQL, bulk inserts on SQLite)
with ids handed out here, so that related rows can point at each other without reading
anything back. The actions are not used: they write history and e-mails one record at a
time, which would take hours at this size. A fixed seed makes every run identical.

At scale 1.0: 50,000 organisations, 200,000 contacts, 100,000 inquiries, 50,000
collaborations and 1,000,000 interactions.
"""

import datetime
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from samverkan.accounts.models import Role, User
from samverkan.agreements.models import Agreement
from samverkan.collaborations.models import (
    Collaboration,
    CollaborationParty,
    CommunicationActivity,
    FollowUp,
    Funder,
    FundingApplication,
)
from samverkan.core.choices import CollaborationKind
from samverkan.core.models import Infrastructure
from samverkan.inquiries.models import Assessment, Inquiry, ReferenceCounter, Routing, StatusChange
from samverkan.lib.orgnr import with_check_digit
from samverkan.needs.models import Need
from samverkan.needs.querysets import search_key
from samverkan.orgs.models import Committee, Contact, Event, Interaction, Organisation
from samverkan.register.models import RegisterEntry, RegisterTerm
from samverkan.register.search import normalise
from samverkan.strategy.models import Goal, Point, PointCollaboration

SEED = 20260101
# Organisation numbers of seeded companies start here (the demo's stay below).
ORGNR_BASE = 593_000_000
REFERENCE_PREFIX = "SKL"
# Dates are spread over these years, ending before a fixed day so runs are identical.
FIRST_DAY = datetime.date(2019, 1, 1)
LAST_DAY = datetime.date(2026, 11, 30)
SPAN_DAYS = (LAST_DAY - FIRST_DAY).days

BASE = {
    "organisations": 50_000,
    "contacts": 200_000,
    "inquiries": 100_000,
    "interactions": 1_000_000,
    "needs": 2_000,
    "events": 1_000,
}

PREFIXES = [
    "Nordisk", "Skandinavisk", "Svensk", "Baltic", "Helix", "Aurora", "Lund", "Uppsala",
    "Göteborg", "Umeå", "Linköping", "Örebro", "Nova", "Polar", "Fjäll", "Vasa", "Kungs",
    "Sol", "Berg", "Nordic", "Rhein", "Alpine", "Atlantic", "Kvarn", "Ek", "Björk", "Lind",
    "Mälar", "Öresund", "Norrland",
]  # fmt: skip
STEMS = [
    "Genomik", "Diagnostik", "Bioinformatik", "Pharma", "MedTech", "Sequencing", "Biomarkör",
    "Analytics", "Therapeutics", "Cell", "Precision", "Omics", "Data", "Life Science", "Labs",
    "Gen", "Onkologi", "Health", "Imaging", "Biotech",
]  # fmt: skip
SUFFIXES = ["AB", "AB", "AB", "AB", "Oy", "GmbH", "A/S", "AS", "Ltd", "Inc"]
SUFFIX_COUNTRY = {"Oy": "FI", "GmbH": "DE", "A/S": "DK", "AS": "NO", "Ltd": "GB", "Inc": "US"}
FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Eva", "Per",
    "Emma", "Mikael", "Lena", "Oskar", "Ingrid", "Ahmed", "Fatima", "Jonas", "Elin", "Hanna",
    "Mohammed", "Sofia", "Nils", "Ida", "Gustav", "Laura", "Thomas", "Julia", "Ali", "Maja",
]  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist",
    "Berg", "Holm", "Ekström", "Virtanen", "Müller", "Hansen", "Smith", "Hussein", "Yilmaz",
    "Nowak", "Sandberg", "Åberg", "Öberg", "Fransson", "Lund", "Strand",
]  # fmt: skip
TITLES = [
    "VD", "Medical Director", "Forskningschef", "Business Developer", "Projektledare",
    "Head of Partnerships", "Regulatory Affairs", "Produktchef", "CSO", "Key Account Manager",
]  # fmt: skip

# Subjects in both languages, and phrases that make titles and descriptions of them.
TOPICS_SV = [
    "helgenomsekvensering", "varianttolkning", "farmakogenomik", "cirkulerande tumör-DNA",
    "sällsynta diagnoser", "barncancer", "ärftlig cancer", "bioinformatikpipeline",
    "långläsningssekvensering", "RNA-sekvensering", "biobanksprover", "datadelning",
    "kliniskt beslutsstöd", "AI-baserad bildanalys", "epigenetik", "mikrobiell genomik",
    "multiresistenta bakterier", "hematologisk cancer", "lungcancer", "bröstcancer",
    "prostatacancer", "ärftlig hjärtsjukdom", "neurologiska sjukdomar", "nyföddhetsscreening",
    "genpaneler", "tumörsekvensering", "läkemedelsbiverkningar", "kunskapsdatabas",
]  # fmt: skip
TOPICS_EN = [
    "whole-genome sequencing", "variant interpretation", "pharmacogenomics",
    "circulating tumour DNA", "rare diseases", "childhood cancer", "hereditary cancer",
    "bioinformatics pipeline", "long-read sequencing", "RNA sequencing", "biobank samples",
    "data sharing", "clinical decision support", "AI image analysis", "epigenetics",
    "microbial genomics", "antimicrobial resistance", "haematological cancer", "lung cancer",
    "breast cancer", "prostate cancer", "inherited cardiac disease", "neurological disease",
    "newborn screening", "gene panels", "tumour sequencing", "adverse drug reactions",
    "knowledge database",
]  # fmt: skip
TITLE_SV = [
    "Pilotstudie om {t}", "Validering av {t} i vården", "Gemensam utveckling inom {t}",
    "Utbildning i {t} för vårdpersonal", "Klinisk studie av {t}", "Test av ny metod för {t}",
    "Forskningssamarbete kring {t}", "Gemensam ansökan om {t}",
]  # fmt: skip
TITLE_EN = [
    "Pilot study of {t}", "Validation of {t} in care", "Joint development in {t}",
    "Training in {t} for clinical staff", "Clinical study of {t}", "Testing a new method for {t}",
    "Research collaboration on {t}", "Joint funding application on {t}",
]  # fmt: skip
BODY_SV = (
    "Vi vill tillsammans med infrastrukturen arbeta med {t} vid flera regionala centrum. "
    "Vi bidrar med {r} och vill utvärdera nyttan för patienterna inom {u}. "
    "Samarbetet är inte exklusivt och resultaten publiceras öppet."
)
BODY_EN = (
    "We propose to work with the infrastructure on {t} at several regional centres. "
    "We contribute {r} and want to evaluate the benefit for patients in {u}. "
    "The collaboration is non-exclusive and the results will be published openly."
)
RESOURCES_SV = [
    "programvara och support", "reagenser och instrument", "två forskare på halvtid",
    "finansiering av sekvensering", "utbildningsmaterial", "analysplattform",
]  # fmt: skip
RESOURCES_EN = [
    "software and support", "reagents and instruments", "two half-time scientists",
    "funding for sequencing", "training material", "an analysis platform",
]  # fmt: skip
SUBJECTS_SV = ["Uppföljningsmöte", "Telefonsamtal om", "Avstämning kring", "Workshop om",
               "Presentation av", "Frågor om"]  # fmt: skip
SUBJECTS_EN = ["Follow-up meeting", "Call about", "Check-in on", "Workshop on",
               "Presentation of", "Questions about"]  # fmt: skip

INQUIRY_STATUSES = [
    (Inquiry.Status.RECEIVED, 8),
    (Inquiry.Status.TRIAGE, 7),
    (Inquiry.Status.AWAITING_INFO, 5),
    (Inquiry.Status.ASSESSMENT, 10),
    (Inquiry.Status.PARKED, 5),
    (Inquiry.Status.ACCEPTED, 50),
    (Inquiry.Status.DECLINED, 10),
    (Inquiry.Status.WITHDRAWN, 5),
]
ROUTED = {
    Inquiry.Status.ASSESSMENT,
    Inquiry.Status.PARKED,
    Inquiry.Status.ACCEPTED,
    Inquiry.Status.DECLINED,
}
DECIDED = {Inquiry.Status.ACCEPTED, Inquiry.Status.DECLINED, Inquiry.Status.WITHDRAWN}
COLLABORATION_STATUSES = [
    (Collaboration.Status.PLANNED, 15),
    (Collaboration.Status.ACTIVE, 45),
    (Collaboration.Status.COMPLETED, 30),
    (Collaboration.Status.ENDED_EARLY, 10),
]


def counts_for(scale: float) -> dict[str, int]:
    return {name: max(1, round(n * scale)) for name, n in BASE.items()}


@dataclass
class Writer:
    """Writes rows with ids it hands out, and reports progress."""

    progress: Callable[[str, int], None]
    next_ids: dict[type[models.Model], int] = field(default_factory=dict)
    written: dict[str, int] = field(default_factory=dict)

    def ids(self, model: type[models.Model], n: int) -> range:
        if model not in self.next_ids:
            last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            self.next_ids[model] = int(last or 0) + 1
        start = self.next_ids[model]
        self.next_ids[model] = start + n
        return range(start, start + n)

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Insert rows (tuples in the order of `columns`, by attribute name)."""
        meta = model._meta
        given = set(columns)
        now = timezone.now()
        extra: list[tuple[str, Any]] = []
        for f in meta.concrete_fields:
            if f.attname in given or f.primary_key:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                extra.append((f.attname, now))
            elif f.has_default():
                extra.append((f.attname, f.get_default()))
            elif f.null:
                extra.append((f.attname, None))
            else:
                extra.append((f.attname, ""))
        names = list(columns) + [name for name, _ in extra]
        tail = tuple(value for _, value in extra)
        by_attname = {f.attname: f for f in meta.concrete_fields}
        fields = [by_attname[n] for n in names]
        json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        n = 0
        if connection.vendor == "postgresql":
            db_columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            table = connection.ops.quote_name(meta.db_table)
            with connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({db_columns}) FROM STDIN") as copy:
                    for row in rows:
                        values = list(row) + list(tail)
                        for i in json_at:
                            values[i] = json.dumps(values[i])
                        copy.write_row(values)
                        n += 1
                        if n % 50_000 == 0:
                            self.progress(meta.db_table, n)
        else:
            batch: list[models.Model] = []
            for row in rows:
                batch.append(model(**dict(zip(names, tuple(row) + tail, strict=True))))
                n += 1
                if len(batch) >= 2000:
                    model._default_manager.bulk_create(batch)
                    batch = []
                    if n % 50_000 < 2000:
                        self.progress(meta.db_table, n)
            if batch:
                model._default_manager.bulk_create(batch)
        self.written[meta.db_table] = self.written.get(meta.db_table, 0) + n
        self.progress(meta.db_table, n)
        return n

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_ids))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _day(rng: random.Random, low: int = 0, high: int = SPAN_DAYS) -> datetime.date:
    return FIRST_DAY + datetime.timedelta(days=rng.randint(low, high))


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(8 + rng.randrange(10), rng.randrange(60)), tzinfo=datetime.UTC
    )


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


class Seeder:
    def __init__(
        self, scale: float, progress: Callable[[str, int], None], number_base: int = ORGNR_BASE
    ) -> None:
        self.scale = scale
        self.number_base = number_base
        self.n = counts_for(scale)
        self.rng = random.Random(SEED)  # noqa: S311 - reproducible data, not secrets
        # Communication texts name the infrastructure, as the rules ask of real ones.
        self.infrastructure_name = Infrastructure.current().short_name or "Samverkan"
        self.w = Writer(progress)
        self.committees = list(Committee.objects.order_by("pk").values_list("pk", flat=True))
        self.goals = list(Goal.objects.order_by("pk").values_list("pk", flat=True))
        self.points = list(Point.objects.order_by("pk").values_list("pk", flat=True))
        self.funders = list(Funder.objects.order_by("order").values_list("pk", "name"))
        self.parties = list(
            Organisation.objects.filter(is_infrastructure_party=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not self.committees or not self.parties:
            raise RuntimeError("Load the reference data first (manage.py load_reference).")

    # Organisations, their people and the network log.
    def users(self) -> None:
        rng = self.rng
        self.coordinators = []
        for i in range(5):
            user, _ = User.objects.get_or_create(
                username=f"scale-coordinator-{i}",
                defaults={"role": Role.COORDINATOR, "email": f"coordinator{i}@scale.invalid"},
            )
            self.coordinators.append(user.pk)
        self.committee_users = []
        for slug_pk in self.committees:
            user, _ = User.objects.get_or_create(
                username=f"scale-committee-{slug_pk}",
                defaults={"role": Role.COMMITTEE, "email": f"committee{slug_pk}@scale.invalid"},
            )
            Committee.members.through.objects.get_or_create(committee_id=slug_pk, user=user)
            self.committee_users.append(user.pk)
        rng.shuffle(self.coordinators)

    def organisations(self) -> None:
        rng, n = self.rng, self.n["organisations"]
        ids = self.w.ids(Organisation, n)
        self.companies = list(ids)
        # A few large companies take a share of everything, as in real life.
        self.large = self.companies[:20]
        rows = []
        for i, pk in enumerate(ids):
            suffix = rng.choice(SUFFIXES)
            country = SUFFIX_COUNTRY.get(suffix, "SE")
            name = f"{rng.choice(PREFIXES)} {rng.choice(STEMS)} {suffix}"
            if i >= 20 and rng.random() < 0.7:
                name = f"{rng.choice(PREFIXES)} {rng.choice(STEMS)} {rng.choice(STEMS)} {suffix}"
            number = with_check_digit(str(self.number_base + i)) if country == "SE" else ""
            foreign = f"{country}{self.number_base + i}" if country != "SE" else ""
            created = _moment(_day(rng, 0, SPAN_DAYS // 2), rng)
            slug = name.split()[0].lower().replace("ö", "o").replace("ä", "a").replace("å", "a")
            rows.append(
                (pk, name, "company", number, foreign, country, f"https://{slug}{i}.example",
                 False, created, created)
            )  # fmt: skip
        self.w.write(
            Organisation,
            ["id", "name", "kind", "organisation_number", "foreign_identifier", "country",
             "website", "is_infrastructure_party", "created_at", "updated_at"],
            rows,
        )  # fmt: skip

    def _company(self) -> int:
        if self.rng.random() < 0.05:
            return self.rng.choice(self.large)
        return self.rng.choice(self.companies)

    def contacts(self) -> None:
        rng, total = self.rng, self.n["contacts"]
        per_org: dict[int, int] = dict.fromkeys(self.companies, 1)
        for _ in range(total - len(self.companies)):
            per_org[self._company()] += 1
        ids = iter(self.w.ids(Contact, total))
        self.contact_ids: dict[int, list[int]] = {}
        self.contact_info: dict[int, tuple[str, str]] = {}

        def rows() -> Iterator[tuple[Any, ...]]:
            for org, count in per_org.items():
                mine = []
                for j in range(count):
                    pk = next(ids)
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    name = f"{first} {last}"
                    email = f"{first}.{last}.{j}@org{org}.example".lower()
                    mine.append(pk)
                    if j == 0:
                        self.contact_info[org] = (name, email)
                    yield (pk, org, name, email, f"+46 70 {pk % 1000:03d} {pk % 100:02d} 00",
                           rng.choice(TITLES))  # fmt: skip
                self.contact_ids[org] = mine

        self.w.write(Contact, ["id", "organisation_id", "name", "email", "phone", "title"], rows())

    def events(self) -> None:
        rng, n = self.rng, self.n["events"]
        ids = self.w.ids(Event, n)
        self.event_ids = list(ids)
        kinds = [k for k, _ in Event.Kind.choices]
        self.w.write(
            Event,
            ["id", "title", "kind", "date", "location", "description"],
            (
                (pk, f"Industridag: {rng.choice(TOPICS_SV)}", rng.choice(kinds), _day(rng),
                 rng.choice(["Stockholm", "Göteborg", "Uppsala", "Lund", "Umeå", "Digitalt"]),
                 f"Kunskapsutbyte om {rng.choice(TOPICS_SV)} / {rng.choice(TOPICS_EN)}.")
                for pk in ids
            ),
        )  # fmt: skip

    def interactions(self) -> None:
        rng, total = self.rng, self.n["interactions"]
        ids = self.w.ids(Interaction, total)
        kinds = [k for k, _ in Interaction.Kind.choices]
        links: list[tuple[int, int]] = []

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk in ids:
                org = self._company()
                day = _day(rng)
                if rng.random() < 0.5:
                    subject = f"{rng.choice(SUBJECTS_SV)} {rng.choice(TOPICS_SV)}"
                else:
                    subject = f"{rng.choice(SUBJECTS_EN)} {rng.choice(TOPICS_EN)}"
                links.append((pk, rng.choice(self.contact_ids[org])))
                kind = rng.choice(kinds)
                event = rng.choice(self.event_ids) if kind == "event" else None
                yield (pk, org, kind, day, subject, "", event, rng.choice(self.coordinators),
                       _moment(day, rng))  # fmt: skip

        self.w.write(
            Interaction,
            ["id", "organisation_id", "kind", "date", "subject", "notes", "event_id",
             "created_by_id", "created_at"],
            rows(),
        )  # fmt: skip
        through = Interaction.contacts.through
        self.w.write(through, ["interaction_id", "contact_id"], links)

    # Inquiries from intake to decision.
    def needs(self) -> None:
        rng, n = self.rng, self.n["needs"]
        ids = self.w.ids(Need, n)
        self.need_ids = list(ids)
        kinds = CollaborationKind.values
        statuses = [(Need.Status.PUBLISHED, 60), (Need.Status.DRAFT, 20), (Need.Status.CLOSED, 20)]

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk in ids:
                sv = rng.random() < 0.6
                topic = rng.choice(TOPICS_SV if sv else TOPICS_EN)
                title = (rng.choice(TITLE_SV) if sv else rng.choice(TITLE_EN)).format(t=topic)
                body = (BODY_SV if sv else BODY_EN).format(
                    t=topic, r=rng.choice(RESOURCES_SV if sv else RESOURCES_EN), u=topic
                )
                status = _pick(rng, statuses)
                created = _moment(_day(rng), rng)
                published = created if status != Need.Status.DRAFT else None
                yield (pk, rng.choice(self.committees), title, body, rng.choice(kinds), status,
                       published, search_key(f"{title}\n{body}"), created)  # fmt: skip

        self.w.write(
            Need,
            ["id", "committee_id", "title", "description", "kind", "status", "published_at",
             "search_text", "created_at"],
            rows(),
        )  # fmt: skip

    def inquiries(self) -> None:
        rng, total = self.rng, self.n["inquiries"]
        ids = self.w.ids(Inquiry, total)
        kinds = CollaborationKind.values
        self.accepted: list[tuple[int, int, datetime.datetime, bool, str, list[int]]] = []
        routings: list[tuple[Any, ...]] = []
        assessments: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        counters: dict[int, int] = dict(
            ReferenceCounter.objects.filter(prefix=REFERENCE_PREFIX).values_list("year", "value")
        )
        assessment_ids = iter(self.w.ids(Assessment, total * 2))

        def rows() -> Iterator[tuple[Any, ...]]:
            # Inquiries arrive in date order, so references count up within each year.
            days = sorted(_day(rng) for _ in ids)
            for pk, day in zip(ids, days, strict=True):
                org = self._company()
                contact_name, contact_email = self.contact_info[org]
                sv = rng.random() < 0.6
                topic_i = rng.randrange(len(TOPICS_SV))
                topic = (TOPICS_SV if sv else TOPICS_EN)[topic_i]
                title = (rng.choice(TITLE_SV) if sv else rng.choice(TITLE_EN)).format(t=topic)
                body = (BODY_SV if sv else BODY_EN).format(
                    t=topic,
                    r=rng.choice(RESOURCES_SV if sv else RESOURCES_EN),
                    u=(TOPICS_SV if sv else TOPICS_EN)[rng.randrange(len(TOPICS_SV))],
                )
                status = _pick(rng, INQUIRY_STATUSES)
                created = _moment(day, rng)
                counters[day.year] = counters.get(day.year, 0) + 1
                reference = f"{REFERENCE_PREFIX}-{day.year}-{counters[day.year]:05d}"
                assigned = None if status == "received" else rng.choice(self.coordinators)
                answered = created + datetime.timedelta(days=rng.randint(0, 10))
                first_response = None if status == "received" else answered
                decided = (
                    created + datetime.timedelta(days=rng.randint(14, 120))
                    if status in DECIDED
                    else None
                )
                changes.append((pk, "", "received", None, created))
                if status != "received":
                    changes.append((pk, "received", status, assigned, decided or answered))
                committees: list[int] = []
                if status in ROUTED:
                    committees = rng.sample(self.committees, k=1 + (rng.random() < 0.3))
                    for committee in committees:
                        routings.append((pk, committee, assigned, answered, ""))
                        if status in {"accepted", "declined"}:
                            assessments.append(
                                (next(assessment_ids), pk, committee,
                                 rng.choice(self.committee_users), "",
                                 status == "accepted", Decimal(rng.randint(20, 100)),
                                 answered, answered)
                            )  # fmt: skip
                if status == "accepted":
                    self.accepted.append((pk, org, created, sv, topic, committees))
                need = rng.choice(self.need_ids) if rng.random() < 0.1 else None
                yield (
                    pk, reference, status, org, self.contact_ids[org][0], self.org_names[org],
                    contact_name, contact_email, title, body,
                    rng.sample(kinds, k=1 + (rng.random() < 0.4)), need,
                    rng.choice(RESOURCES_SV if sv else RESOURCES_EN), "sv" if sv else "en",
                    created, f"scale{pk:09d}{rng.getrandbits(64):016x}", assigned,
                    first_response, decided, created, decided or answered,
                )  # fmt: skip

        self.w.write(
            Inquiry,
            ["id", "reference", "status", "organisation_id", "contact_id", "organisation_name",
             "contact_name", "contact_email", "title", "description", "kinds", "need_id",
             "resources_offered", "language", "consent_at", "sender_token", "assigned_to_id",
             "first_response_at", "decided_at", "created_at", "updated_at"],
            rows(),
        )  # fmt: skip
        self.w.write(
            Routing, ["inquiry_id", "committee_id", "routed_by_id", "routed_at", "note"], routings
        )
        self.w.write(
            Assessment,
            ["id", "inquiry_id", "committee_id", "assessed_by_id", "comment", "gates_passed",
             "priority", "created_at", "updated_at"],
            assessments,
        )  # fmt: skip
        self.w.write(
            StatusChange,
            ["inquiry_id", "from_status", "to_status", "changed_by_id", "changed_at"],
            changes,
        )
        for year, value in counters.items():
            counter, _ = ReferenceCounter.objects.get_or_create(prefix=REFERENCE_PREFIX, year=year)
            counter.value = max(counter.value, value)
            counter.save(update_fields=["value"])

    # Collaborations and everything that hangs on them.
    def collaborations(self) -> None:
        rng = self.rng
        ids = self.w.ids(Collaboration, len(self.accepted))
        parties: list[tuple[Any, ...]] = []
        committees: list[tuple[int, int]] = []
        goals: list[tuple[int, int]] = []
        self.collabs: list[tuple[int, str, list[int], list[int], str, str, str, Any, Any]] = []
        self.collab_goals: dict[int, list[int]] = {}
        self.collab_committees: dict[int, list[int]] = {}

        def rows() -> Iterator[tuple[Any, ...]]:
            for pk, (inquiry, org, created, sv, topic, routed) in zip(
                ids, self.accepted, strict=True
            ):
                status = _pick(rng, COLLABORATION_STATUSES)
                start = (created + datetime.timedelta(days=rng.randint(30, 120))).date()
                end = start + datetime.timedelta(days=rng.randint(180, 1000))
                title = (rng.choice(TITLE_SV) if sv else rng.choice(TITLE_EN)).format(t=topic)
                summary = (BODY_SV if sv else BODY_EN).format(
                    t=topic, r=rng.choice(RESOURCES_SV if sv else RESOURCES_EN), u=topic
                )
                kind = rng.choice(CollaborationKind.values)
                gms = rng.sample(self.parties, k=min(len(self.parties), 1 + (rng.random() < 0.4)))
                companies = [org]
                if rng.random() < 0.15:
                    other = self._company()
                    if other != org:
                        companies.append(other)
                for party in gms:
                    parties.append((pk, party, "infrastructure_party", "", ""))
                for company in companies:
                    parties.append((pk, company, "company", "", rng.choice(RESOURCES_SV)))
                for committee in routed:
                    committees.append((pk, committee))
                self.collab_committees[pk] = routed
                chosen = rng.sample(self.goals, k=min(len(self.goals), rng.randint(1, 2)))
                goals.extend((pk, goal) for goal in chosen)
                self.collab_goals[pk] = chosen
                self.collabs.append((pk, status, gms, companies, title, summary, kind, start, end))
                yield (pk, title, summary, kind, status, start, end, inquiry,
                       rng.choice(self.coordinators), created, created)  # fmt: skip

        self.w.write(
            Collaboration,
            ["id", "title", "summary", "kind", "status", "start_date", "end_date", "inquiry_id",
             "responsible_id", "created_at", "updated_at"],
            rows(),
        )  # fmt: skip
        self.w.write(
            CollaborationParty,
            ["collaboration_id", "organisation_id", "role", "role_description", "resources"],
            parties,
        )
        self.w.write(
            Collaboration.committees.through, ["collaboration_id", "committee_id"], committees
        )
        self.w.write(Collaboration.goals.through, ["collaboration_id", "goal_id"], goals)

    def collaboration_records(self) -> None:
        rng = self.rng
        infrastructure = self.infrastructure_name
        agreement_ids = iter(self.w.ids(Agreement, len(self.collabs)))
        funding_ids = iter(self.w.ids(FundingApplication, len(self.collabs)))
        Rows = list[tuple[Any, ...]]
        agreements: Rows = []
        agreement_parties: Rows = []
        funding: Rows = []
        applicants: Rows = []
        communications: Rows = []
        follow_ups: Rows = []
        links: Rows = []
        register: Rows = []
        register_orgs: Rows = []
        register_committees: Rows = []
        register_goals: Rows = []
        register_ids = iter(self.w.ids(RegisterEntry, len(self.collabs)))
        vocabulary: set[str] = set()
        # The texts repeat; normalising each once saves most of the time.
        normalised: dict[str, tuple[set[str], set[str]]] = {}
        names = self.org_names
        for pk, status, gms, companies, title, summary, kind, start, end in self.collabs:
            started = status != "planned"
            agreement = next(agreement_ids)
            signed = start if started else None
            agreements.append(
                (agreement, pk, "collaboration", f"Samarbetsavtal: {title}"[:200],
                 "signed" if started else "negotiation", signed, signed, end,
                 rng.choice(self.coordinators))
            )  # fmt: skip
            for org in gms + companies:
                agreement_parties.append((agreement, org))
            application: list[dict[str, str]] = []
            if rng.random() < 0.3:
                fa = next(funding_ids)
                applied = Decimal(rng.randrange(200, 5000) * 1000)
                granted = applied if rng.random() < 0.5 else None
                fstatus = "granted" if granted else rng.choice(["submitted", "rejected"])
                funder, label = rng.choice(self.funders) if self.funders else (None, "")
                call = f"Precisionsmedicin {start.year}"
                funding.append((fa, pk, funder, call, applied, granted, fstatus, start))
                applicants.extend((fa, org) for org in companies)
                application.append(
                    {"funder": label, "call": call, "status": fstatus, "currency": "SEK",
                     "applied": str(applied), "granted": str(granted or Decimal(0))}
                )  # fmt: skip
            if rng.random() < 0.3:
                communications.append(
                    (pk, "news", f"{infrastructure} och partner: {title}"[:200], summary, start,
                     _moment(start, rng) if started else None)
                )  # fmt: skip
            if started:
                held = start + datetime.timedelta(days=180)
                follow_ups.append(
                    (pk, "interim", held, held if held < LAST_DAY else None,
                     rng.randint(3, 5) if held < LAST_DAY else None)
                )  # fmt: skip
            if self.points and rng.random() < 0.6:
                links.append((rng.choice(self.points), pk, _moment(start, rng)))
            if started and rng.random() < 0.8:
                entry = next(register_ids)
                gms_text = ", ".join(sorted(names[o] for o in gms))
                company_text = ", ".join(sorted(names[o] for o in companies))
                words: set[str] = set()
                tokens: set[str] = set()
                for text in (title, summary, gms_text, company_text):
                    if text not in normalised:
                        document, found = normalise([text])
                        normalised[text] = (set(document.split()), found)
                    tokens |= normalised[text][0]
                    words |= normalised[text][1]
                vocabulary |= words
                document = " ".join(sorted(tokens))
                published = rng.random() < 0.95
                when = _moment(start, rng)
                register.append(
                    (entry, pk, "published" if published else "preview",
                     None if published else LAST_DAY, when if published else None,
                     title, summary, kind, status, start, end, start.year, gms_text,
                     company_text, application, document)
                )  # fmt: skip
                for org in gms + companies:
                    register_orgs.append((entry, org))
                register_goals.extend((entry, goal) for goal in self.collab_goals[pk])
                register_committees.extend((entry, c) for c in self.collab_committees[pk])
        self.w.write(
            Agreement,
            ["id", "collaboration_id", "kind", "title", "status", "signed_on", "valid_from",
             "valid_to", "responsible_id"],
            agreements,
        )  # fmt: skip
        self.w.write(
            Agreement.parties.through, ["agreement_id", "organisation_id"], agreement_parties
        )
        self.w.write(
            FundingApplication,
            ["id", "collaboration_id", "funder_id", "call", "amount_applied", "amount_granted",
             "status", "submitted_on"],
            funding,
        )  # fmt: skip
        self.w.write(
            FundingApplication.applicants.through,
            ["fundingapplication_id", "organisation_id"],
            applicants,
        )
        self.w.write(
            CommunicationActivity,
            ["collaboration_id", "kind", "title", "text", "planned_date", "approved_at"],
            communications,
        )
        self.w.write(
            FollowUp,
            ["collaboration_id", "kind", "due_date", "held_on", "would_collaborate_again"],
            follow_ups,
        )
        self.w.write(PointCollaboration, ["point_id", "collaboration_id", "linked_at"], links)
        self.w.write(
            RegisterEntry,
            ["id", "collaboration_id", "state", "preview_until", "published_at", "title",
             "summary", "kind", "status", "start_date", "end_date", "year", "parties_text",
             "companies_text", "funding", "search_document"],
            register,
        )  # fmt: skip
        self.w.write(
            RegisterEntry.organisations.through,
            ["registerentry_id", "organisation_id"],
            register_orgs,
        )
        self.w.write(
            RegisterEntry.committees.through,
            ["registerentry_id", "committee_id"],
            register_committees,
        )
        self.w.write(RegisterEntry.goals.through, ["registerentry_id", "goal_id"], register_goals)
        known = set(RegisterTerm.objects.values_list("term", flat=True))
        RegisterTerm.objects.bulk_create(
            [RegisterTerm(term=w[:100]) for w in sorted(vocabulary - known)],
            ignore_conflicts=True,
            batch_size=2000,
        )

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.users()
            self.organisations()
            self.org_names = dict(
                Organisation.objects.filter(pk__in=self.companies + self.parties).values_list(
                    "pk", "name"
                )
            )
            self.contacts()
            self.events()
            self.needs()
            self.inquiries()
            self.collaborations()
            self.collaboration_records()
            self.interactions()
            self.w.reset_sequences()
        if connection.vendor == "postgresql":
            # As autovacuum would after a bulk load: statistics, and the visibility map
            # that lets deep pages read their ids from an index alone. VACUUM cannot run
            # inside a transaction (a test's).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        return {
            "organisations": len(self.companies),
            "contacts": self.n["contacts"],
            "inquiries": self.n["inquiries"],
            "collaborations": len(self.collabs),
            "interactions": self.n["interactions"],
            "needs": self.n["needs"],
            "register_entries": self.w.written.get(RegisterEntry._meta.db_table, 0),
        }


def already_seeded() -> bool:
    return Organisation.objects.filter(
        organisation_number=with_check_digit(str(ORGNR_BASE))
    ).exists()


def seed(
    scale: float, progress: Callable[[str, int], None], number_base: int = ORGNR_BASE
) -> dict[str, int]:
    """Fill the database with scale data; the reference data must be loaded first.
    Another number base adds a second, distinct set of organisations."""
    return Seeder(scale, progress, number_base).run()
