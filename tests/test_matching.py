"""Matching: word forms in both languages, compounds, explanations, ranking, API, quality."""

import json

from django.test import SimpleTestCase

from benchmarks import matching as benchmark
from samverkan.collaborations.models import Collaboration, CollaborationParty
from samverkan.core.choices import CollaborationKind
from samverkan.inquiries.matching import (
    suggest_committees,
    suggest_needs,
    suggest_organisations_for_need,
)
from samverkan.lib.text import Document, Index, keys, rank, split_compound
from samverkan.needs.models import Need
from samverkan.orgs.models import Committee, Organisation
from samverkan.test import BaseTestCase, valid_orgnr


class WordFormTestCase(SimpleTestCase):
    def test_it_matches_swedish_and_english_inflections(self):
        self.assertFalse(keys("sekvenseringen").isdisjoint(keys("sekvensering")))
        self.assertFalse(keys("sequences").isdisjoint(keys("sequencing")))
        self.assertFalse(keys("tumörer").isdisjoint(keys("tumör")))
        self.assertFalse(keys("tumours").isdisjoint(keys("tumor")))  # British spelling
        self.assertFalse(keys("leukaemia").isdisjoint(keys("leukemia")))
        self.assertTrue(keys("behandling").isdisjoint(keys("handling")))

    def test_it_finds_a_document_by_another_form_of_its_word(self):
        documents = [("a", "Sekvensering av bakterier"), ("b", "Utbildning för vårdpersonal")]
        matches = rank(documents, "Vi vill förbättra sekvenseringen")
        self.assertEqual([m.key for m in matches], ["a"])
        self.assertEqual(matches[0].terms, ["sekvenseringen"])

    def test_it_ignores_a_text_of_stop_words(self):
        self.assertEqual(rank([("a", "och att det")], "och att det the and of"), [])


class CompoundTestCase(SimpleTestCase):
    documents = [
        Document("agreements", {"text": "Avtal och partnerskap med näringslivet"}),
        Document("sequencing", {"text": "Sekvensering av bakterier och virus"}),
        Document("genome", {"text": "Whole genome analysis"}),
        Document("ethics", {"text": "Etiska frågor och samtycke"}),
    ]

    def test_it_matches_a_compound_by_its_head(self):
        matches = rank(self.documents, "Ett samarbetsavtal med er")
        self.assertEqual(matches[0].key, "agreements")
        self.assertEqual(matches[0].terms, ["samarbetsavtal"])  # the word as written

    def test_it_matches_a_compound_in_the_document(self):
        documents = [
            Document("wgs", {"text": "Helgenomsekvensering av nyfödda"}),
            Document("contract", {"text": "Samarbetsavtal för projekt"}),
            Document("bacteria", {"text": "Sekvensering av bakterier"}),
        ]
        self.assertEqual(rank(documents, "avtal")[0].key, "contract")
        self.assertEqual([m.key for m in rank(documents, "sekvenseringen")], ["bacteria", "wgs"])
        self.assertEqual([m.key for m in rank(documents, "genome")], ["wgs"])

    def test_it_splits_helgenomsekvensering_into_its_parts(self):
        index = Index(self.documents)
        parts = index.analyzer.parts("helgenomsekvensering")
        self.assertIn("sekvensering", parts)
        self.assertIn("genom", parts)
        self.assertEqual(
            {m.key for m in index.search("helgenomsekvensering")}, {"sequencing", "genome"}
        )

    def test_it_does_not_split_words_that_are_no_compounds(self):
        known = Index(self.documents).analyzer.known
        self.assertEqual(split_compound("genetiska", known | {"gen"}), [])
        self.assertEqual(split_compound("behandling", known | {"handling"}), [])
        self.assertNotIn("ethics", [m.key for m in rank(self.documents, "genetiska tester")])

    def test_a_compound_part_counts_less_than_the_whole_word(self):
        documents = [
            Document("whole", {"text": "avtal"}),
            Document("part", {"text": "samarbetsavtal"}),
        ]
        matches = rank(documents, "avtal")
        self.assertEqual([m.key for m in matches], ["whole", "part"])
        self.assertGreater(matches[0].score, matches[1].score)


class ScoringTestCase(SimpleTestCase):
    def test_a_rare_word_weighs_more_than_a_common_one(self):
        documents = [
            ("a", "cancer sekvensering"),
            ("b", "cancer leukemi"),
            ("c", "cancer utbildning"),
        ]
        matches = rank(documents, "cancer leukemi")
        self.assertEqual(matches[0].key, "b")
        self.assertEqual(matches[0].terms, ["leukemi", "cancer"])  # most important first

    def test_fields_have_boosts_and_tags_explain(self):
        documents = [
            Document("title", {"title": "Leukemi", "text": "Blod"}),
            Document("text", {"title": "Blod", "text": "Leukemi"}, tags=["benmärg", "leukemi"]),
        ]
        matches = rank(documents, "leukemi", boosts={"title": 3.0, "text": 1.0, "tags": 0.1})
        self.assertEqual(matches[0].key, "title")
        self.assertEqual(matches[1].tags, ["leukemi"])


class CommitteeRankingTestCase(BaseTestCase):
    SWEDISH = [
        (
            "Snabb helgenomsekvensering för svårt sjuka nyfödda med misstänkt syndrom",
            "rare_diseases",
        ),
        ("Cirkulerande tumör-DNA i blodprov vid lungcancer", "solid_tumours"),
        ("Mätbar kvarvarande sjukdom efter behandling av leukemi", "haematology"),
        (
            "Vi vill ingå ett samarbetsavtal inför en gemensam Vinnova-ansökan",
            "innovation_industry",
        ),
        ("Webbkurser i genetik för sjuksköterskor", "education"),
        ("Smittspårning av resistenta bakterier på sjukhus", "infectious_diseases"),
    ]
    ENGLISH = [
        ("Pharmacogenetic testing before prescribing antidepressants", "pharmacogenomics"),
        ("Cost-effectiveness model for genome sequencing", "health_economics"),
        ("A secure cloud platform and pipelines for bioinformatics", "informatics"),
        ("Consent and GDPR when sharing genomic data", "ethics_law"),
        ("BRCA testing and cascade testing of relatives", "hereditary_cancer"),
        ("Recruiting patients to a clinical trial with a biomarker", "clinical_studies"),
    ]

    def test_it_ranks_the_right_committee_first_in_swedish(self):
        for text, slug in self.SWEDISH:
            with self.subTest(text=text):
                self.assertEqual(suggest_committees(text)[0].key.slug, slug)

    def test_it_ranks_the_right_committee_first_in_english(self):
        for text, slug in self.ENGLISH:
            with self.subTest(text=text):
                self.assertEqual(suggest_committees(text)[0].key.slug, slug)

    def test_it_explains_with_the_words_of_the_text_and_the_committees_keywords(self):
        best = suggest_committees("Helgenomsekvenseringen av nyfödda barn")[0]
        self.assertEqual(best.key, self.rare)
        self.assertIn("helgenomsekvenseringen", best.terms)
        self.assertNotIn("helgenomsekvenser", best.terms)  # no stems shown
        self.assertIn("nyfödd", best.tags)

    def test_it_returns_best_first_and_respects_the_limit(self):
        matches = suggest_committees("leukemi lymfom cancer tumör barn", limit=3)
        self.assertEqual(len(matches), 3)
        self.assertEqual(matches, sorted(matches, key=lambda m: -m.score))


class NeedRankingTestCase(BaseTestCase):
    haematology: Committee
    mrd: Need
    cloud: Need
    draft: Need

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.haematology = Committee.objects.get(slug="haematology")
        cls.mrd = Need.objects.create(
            committee=cls.haematology,
            title="MRD-uppföljning vid akut myeloisk leukemi",
            description="Känsliga metoder för mätbar kvarvarande sjukdom efter behandling.",
            kind=CollaborationKind.RESEARCH,
            status=Need.Status.PUBLISHED,
        )
        cls.cloud = Need.objects.create(
            committee=cls.informatics,
            title="Säker molnlösning för genomikdata",
            description="Lagring och analys av helgenomdata i en säker molnmiljö.",
            kind=CollaborationKind.DEVELOPMENT,
            status=Need.Status.PUBLISHED,
        )
        cls.draft = Need.objects.create(
            committee=cls.haematology,
            title="Leukemi och lymfom: utkast",
            description="Leukemi, lymfom, myelom, MRD.",
            kind=CollaborationKind.RESEARCH,
        )

    def test_it_ranks_published_needs_with_the_words_why(self):
        matches = suggest_needs("We measure residual disease in acute myeloid leukaemia (MRD)")
        self.assertEqual(matches[0].key, self.mrd)
        self.assertIn("mrd", matches[0].terms)
        self.assertNotIn(self.draft, [m.key for m in matches])

    def test_a_cloud_inquiry_finds_the_cloud_need(self):
        self.assertEqual(suggest_needs("En molntjänst för lagring av genomdata")[0].key, self.cloud)


class OrganisationsForNeedTestCase(BaseTestCase):
    need: Need
    microbe: Organisation
    cloudco: Organisation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.need = Need.objects.create(
            committee=Committee.objects.get(slug="infectious_diseases"),
            title="Snabb resistensbestämning vid sepsis",
            description="Sekvensering av bakterier och antibiotikaresistens från blododling.",
            kind=CollaborationKind.TESTING,
            status=Need.Status.PUBLISHED,
        )
        cls.microbe = Organisation.objects.create(
            name="Mikrob Diagnostik AB", organisation_number=valid_orgnr("556000001")
        )
        cls.cloudco = Organisation.objects.create(
            name="Moln AB", organisation_number=valid_orgnr("556000002")
        )
        for i in range(30):  # enough history to show a query per row
            cls.submit(
                organisation_name="Moln AB",
                organisation_number=cls.cloudco.organisation_number,
                title=f"Molntjänst {i}",
                description="Säker lagring av data i molnet.",
            )
        cls.submit(
            organisation_name="Mikrob Diagnostik AB",
            organisation_number=cls.microbe.organisation_number,
            title="Resistensgener direkt från blododlingar",
            description="Vårt test identifierar bakterier och resistens vid sepsis.",
        )
        region = Organisation.objects.get(name="Region Skåne")
        collaboration = Collaboration.objects.create(
            title="Sekvensering av sjukhusbakterier",
            summary="Helgenomtypning av bakterier för smittspårning.",
            kind=CollaborationKind.RESEARCH,
        )
        CollaborationParty.objects.create(
            collaboration=collaboration,
            organisation=cls.acme,
            role=CollaborationParty.Role.COMPANY,
            resources="Sekvenseringsplattform för bakterier",
        )
        CollaborationParty.objects.create(
            collaboration=collaboration,
            organisation=region,
            role=CollaborationParty.Role.INFRASTRUCTURE,
        )

    def test_it_ranks_organisations_by_their_inquiries_and_collaborations(self):
        matches = suggest_organisations_for_need(self.need)
        ranked = [m.key for m in matches]
        self.assertEqual(ranked[0], self.microbe)
        self.assertIn(self.acme, ranked)  # through its collaboration
        self.assertIn("sepsis", matches[0].terms)
        self.assertNotIn(Organisation.objects.get(name="Region Skåne"), ranked)  # GMS party

    def test_it_reads_the_history_in_a_fixed_number_of_queries(self):
        with self.assertNumQueries(3):
            suggest_organisations_for_need(self.need)


class MatchApiTestCase(BaseTestCase):
    published: Need
    rare_draft: Need
    informatics_draft: Need

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.published = Need.objects.create(
            committee=cls.rare,
            title="Snabb helgenomsekvensering av nyfödda",
            description="Kortare svarstid för svårt sjuka nyfödda.",
            kind=CollaborationKind.PILOT,
            status=Need.Status.PUBLISHED,
        )
        cls.rare_draft = Need.objects.create(
            committee=cls.rare,
            title="Utkast om nyfödda",
            description="Helgenomsekvensering.",
            kind=CollaborationKind.PILOT,
        )
        cls.informatics_draft = Need.objects.create(
            committee=cls.informatics,
            title="Utkast om molnet",
            description="Molntjänster.",
            kind=CollaborationKind.DEVELOPMENT,
        )
        cls.submit(title="Nyfödda", description="Helgenomsekvensering av nyfödda barn.")

    def post(self, body: object):
        return self.client.post("/api/v1/match", json.dumps(body), content_type="application/json")

    def test_it_answers_committees_and_needs_best_first_with_terms(self):
        self.login(self.alice)
        response = self.post({"text": "Helgenomsekvensering för nyfödda"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["committees"][0]["id"], "rare_diseases")
        self.assertIn("helgenomsekvensering", body["committees"][0]["terms"])
        scores = [c["score"] for c in body["committees"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertEqual(
            [(n["id"], n["title"]) for n in body["needs"]],
            [(self.published.pk, self.published.title)],  # drafts are never suggested
        )
        self.assertIn("nyfödda", body["needs"][0]["terms"])

    def test_only_coordinators_admins_and_committee_members_may_match(self):
        expected = {
            self.alice: 200,
            self.erin: 200,
            self.bob: 200,
            self.oscar: 200,
            self.carol: 403,
            self.mallory: 403,
            self.dave: 403,
        }
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.post({"text": "leukemi"}).status_code, status)
        self.client.logout()
        self.assertEqual(self.post({"text": "leukemi"}).status_code, 401)

    def test_it_refuses_an_empty_text(self):
        self.login(self.bob)
        self.assertEqual(self.post({"text": "   "}).status_code, 422)
        self.assertEqual(self.post({}).status_code, 422)

    def organisations(self, need: Need):
        return self.client.get(f"/api/v1/match/needs/{need.pk}/organisations")

    def test_it_suggests_organisations_for_a_need(self):
        self.login(self.alice)
        response = self.organisations(self.published)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body[0]["id"], self.acme.pk)
        self.assertEqual(body[0]["name"], "Acme Genomik AB")
        self.assertIn("nyfödda", body[0]["terms"])

    def test_organisations_for_a_need_by_role_and_visibility(self):
        cases = [
            (self.alice, self.informatics_draft, 200),
            (self.erin, self.rare_draft, 200),
            (self.bob, self.published, 200),
            (self.bob, self.rare_draft, 200),  # a draft of his own committee
            (self.bob, self.informatics_draft, 404),
            (self.oscar, self.published, 200),
            (self.oscar, self.rare_draft, 404),
            (self.dave, self.published, 403),
            (self.carol, self.published, 403),
        ]
        for user, need, status in cases:
            with self.subTest(user=user.username, need=need.title):
                self.login(user)
                self.assertEqual(self.organisations(need).status_code, status)
        self.login(self.alice)
        self.assertEqual(
            self.client.get("/api/v1/match/needs/999999/organisations").status_code, 404
        )
        self.client.logout()
        self.assertEqual(self.organisations(self.published).status_code, 401)


class EvaluationTestCase(SimpleTestCase):
    """The labelled set in benchmarks/ as a quality floor: fast and deterministic."""

    def test_bm25_reaches_the_floor_and_beats_the_baseline(self):
        scores = {(s.task, s.method): s for s in benchmark.evaluate()}
        for task in ("committees", "needs"):
            with self.subTest(task=task):
                bm25, overlap = scores[task, "bm25f"], scores[task, "overlap"]
                self.assertGreaterEqual(bm25.recall_at_3, 0.8)
                self.assertGreater(bm25.mrr, overlap.mrr)
                self.assertGreaterEqual(bm25.recall_at_3, overlap.recall_at_3)
        pairs = scores["committees", "bm25f"].pairs + scores["needs", "bm25f"].pairs
        self.assertGreaterEqual(pairs, 60)
        self.assertGreaterEqual(scores["committees", "bm25f"].queries, 60)
