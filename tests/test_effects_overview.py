"""The effects dashboard opens with one card per expected effect: its headline figure with
the number of cases, the change against the period before, and a small chart, each linking
to the effect's full section."""

import datetime
import json
import re

from django.utils import timezone

from samverkan.effects.models import ExpectedEffect
from samverkan.test import BaseTestCase, submit_inquiry
from tests.test_effects import at, company, inquiry


class OverviewTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for n in range(3):
            submit_inquiry(title=f"Förfrågan {n}")

    def test_it_shows_one_card_per_expected_effect_linking_to_its_section(self):
        self.client.force_login(self.alice)
        html = self.client.get("/effects/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        overview = re.search(r'<section class="overview".*?</section>', html, re.S)
        assert overview is not None
        cards = re.findall(r'<li class="overview-card">.*?</li>', overview.group(0), re.S)
        self.assertEqual(len(cards), ExpectedEffect.objects.count())
        for card in cards:
            effect = re.search(r'href="#(effect-[\w-]+)"', card)
            indicator = re.search(r'href="#(indicator-[\w-]+)"', card)
            assert effect is not None and indicator is not None
            # The links lead to sections that are on the page.
            self.assertIn(f'id="{effect.group(1)}"', html)
            self.assertIn(f'id="{indicator.group(1)}"', html)
        # The overview comes before the first effect's full section.
        self.assertLess(html.index('class="overview"'), html.index('<section class="effect"'))

    def test_it_counts_the_inquiries_received_and_draws_them(self):
        self.client.force_login(self.dave)
        html = self.client.get("/effects/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        interest = re.search(
            r'<li class="overview-card">\s*<h3><a href="#effect-interest".*?</li>', html, re.S
        )
        assert interest is not None, "no card for the interest in collaboration"
        self.assertIn('<span class="figure-value">3</span>', interest.group(0))
        self.assertRegex(
            interest.group(0), r'<svg class="sparkline"[^>]*role="img" aria-label="[^"]+: 3'
        )
        self.assertIn("against the period before", interest.group(0))

    def test_a_percentage_says_how_many_cases_it_is_built_on(self):
        self.client.force_login(self.alice)
        html = self.client.get("/effects/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        overview = re.search(r'<section class="overview".*?</section>', html, re.S)
        assert overview is not None
        for figure in re.findall(r'<p class="overview-figure">(.*?)</p>', overview.group(0), re.S):
            if "%" in figure:
                self.assertRegex(figure, r"\d+ of \d+")


class FewCasesTestCase(BaseTestCase):
    """A share over two inquiries is 50 % or 100 % by one case: the full section says n."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        year = timezone.localdate().year - 1
        org = company("Fåtal AB")
        inquiry(org, at(year, 2, 2), answered=at(year, 2, 3))  # in time
        inquiry(org, at(year, 2, 3), answered=at(year, 3, 20))  # late
        cls.query = {
            "date_from": datetime.date(year, 1, 1).isoformat(),
            "date_to": datetime.date(year, 12, 31).isoformat(),
            "interval": "quarter",
        }

    def test_a_share_on_few_cases_shows_its_n_in_the_table_and_the_chart(self):
        self.client.force_login(self.alice)
        response = self.client.get("/effects/", self.query)
        html = response.content.decode()
        section = re.search(
            r'<article[^>]*id="indicator-answered_in_time".*?</article>', html, re.S
        )
        assert section is not None
        self.assertIn('<td class="num">50,0 % (n = 2)</td>', section.group(0))
        self.assertIn("n är antalet fall som en andel bygger på", section.group(0))
        # A quarter with nothing due has no share, and says no n.
        self.assertNotIn("– (n = 0)", section.group(0))
        chart = re.search(
            r'<script id="chart-data-answered_in_time" type="application/json">(.*?)</script>',
            section.group(0),
            re.S,
        )
        assert chart is not None
        notes = json.loads(chart.group(1))["series"][0]["notes"]
        self.assertIn("n = 2", notes)
        self.assertEqual(notes.count(""), len(notes) - 1)
        english = self.client.get("/effects/", self.query, HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(english, '<td class="num">50.0 % (n = 2)</td>', html=True)
