"""The effects dashboard opens with one card per expected effect: its headline figure with
the number of cases, the change against the period before, and a small chart, each linking
to the effect's full section."""

import re

from samverkan.effects.models import ExpectedEffect
from samverkan.test import BaseTestCase, submit_inquiry


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
