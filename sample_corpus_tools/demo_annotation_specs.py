"""What coder-1..coder-3 marked in the sample articles (read by build_demo_annotations.py).

A passage is a quote from the article text with the stance and themes most coders gave it.
Stance: S supportive, C critical, N neutral, M mixed. Themes are the codebook's shortcut keys:
o open source, x export controls, u global governance/UN, g Global South, s safety/security,
i industrial policy, d deregulation, r rivalry, v data/sovereignty, h surveillance/rights,
p energy/infrastructure, t standards.

Per coder (c1, c2, c3) a passage can be skipped (SKIP) or varied with V(...):
q= another quote, start_at= start inside the quote at this text, end_after= stop after this
text, back=/grow= include n more sentences before/after, stance=, themes=, note=.
only= restricts a passage to the listed coders (a passage the others skip).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    q: str | None = None
    occ: int | None = None
    start_at: str | None = None
    end_after: str | None = None
    back: int = 0
    grow: int = 0
    stance: str | None = None
    themes: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Passage:
    q: str
    stance: str
    themes: str
    note: str | None = None
    occ: int | None = None
    only: tuple[str, ...] = ()
    by: dict[str, Variant] = field(default_factory=dict)


SKIP = Variant(note="<skip>")
V = Variant


def P(q: str, stance: str, themes: str, note: str | None = None, *, occ: int | None = None,
      only: str = "", c1: Variant | None = None, c2: Variant | None = None,
      c3: Variant | None = None) -> Passage:
    by = {f"coder-{n}": v for n, v in ((1, c1), (2, c2), (3, c3)) if v is not None}
    coders = tuple(f"coder-{n}" for n in only)
    return Passage(q, stance, themes, note, occ, coders, by)


ALL_CODED = (
    "01-us-action-plan-explainer.md", "02-action-plan-bets-on-builders.md",
    "03-plan-written-for-industry.txt", "04-shanghai-cooperation-body.html",
    "06-open-door-in-shanghai.md", "07-generous-words-familiar-limits.md",
    "08-open-weights-summer.md", "09-h20-sales-mistake.md",
)
# 05 and 10 are left uncoded by everyone; coder-3 also skipped 04 and 08.
CODED_BY = {
    "coder-1": ALL_CODED,
    "coder-2": ALL_CODED,
    "coder-3": tuple(f for f in ALL_CODED if not f.startswith(("04-", "08-"))),
}
DOING = {("coder-2", "09-h20-sales-mistake.md")}

SPECS: dict[str, list[Passage]] = {}

SPECS["01-us-action-plan-explainer.md"] = [
    P("It lists more than ninety federal actions. Most of them are instructions to agencies rather than new law, so their effect will depend on how quickly departments turn them into rules, grants and procurement terms.",
      "N", "i", c2=V(themes="d", start_at="Most of them"), c3=SKIP),
    P("Agencies are asked to find and repeal regulations that slow the adoption of AI, and the Office of Management and Budget is told to take a state’s AI rules into account when it hands out discretionary funding related to AI.",
      "N", "d", c2=V(grow=1), c3=V(start_at="the Office of Management")),
    P("the federal government says it wants to encourage open-source and open-weight models, arguing that openly available models have geostrategic value and help start-ups, researchers and universities that cannot pay for proprietary systems.",
      "N", "o", c1=V(themes="or"), c3=V(stance="S", note="reads as approving of open models")),
    P("a revision of the NIST AI Risk Management Framework that removes references to misinformation, diversity, equity and inclusion, and climate change.",
      "N", "th", c2=V(themes="t"), c3=V(themes="h")),
    P("The second pillar treats electricity, data centres and chip factories as the physical bottleneck of the AI race.",
      "N", "p", c1=V(grow=1), c3=V(themes="pr")),
    P("Washington wants allies to adopt the “full stack” of American AI — chips, models, software and standards — rather than Chinese alternatives.",
      "N", "ri", c2=V(themes="r")),
    P("The plan also calls for tighter enforcement of export controls, including exploring location verification for advanced chips, closing gaps in the controls on semiconductor manufacturing subsystems, and pressing allies to adopt matching rules.",
      "N", "x"),
    P("The third, titled “Preventing Woke AI in the Federal Government”, directs agencies to buy only large language models that meet two principles the order calls truth-seeking and ideological neutrality.",
      "N", "h", c3=V(start_at="directs agencies")),
    P("Second, whether the funding lever against state AI rules survives legal challenge and congressional scrutiny.",
      "N", "d", only="1"),
    P("selling the American stack abroad and denying chips to rivals are two halves of one strategy, but they pull companies in different directions.",
      "N", "xi", c2=V(themes="x"), c3=V(stance="M", themes="x")),
    P("Supporters describe the document as a clean break with a risk-first approach; critics say it hands industry most of what it asked for.",
      "M", "d", c2=V(stance="N", note="both views are reported, not the author's")),
]

SPECS["02-action-plan-bets-on-builders.md"] = [
    P("Its message to engineers, founders and utility companies is simple: build, and the government will get out of your way. That is the right message at the right moment.",
      "S", "d", c3=V(start_at="That is the right message")),
    P("The plan treats the contest with China as a race the United States can win but can also lose, and it is candid that the binding constraints are no longer ideas.",
      "S", "r", c2=V(grow=1, themes="rp")),
    P("American electricity generation has been almost flat for two decades while China has added capacity at a staggering pace.",
      "N", "pr", c2=V(stance="S", themes="p"), c3=SKIP),
    P("The executive order on data-centre permitting, with its faster environmental reviews and access to federal land, is the most practical thing Washington has done for AI in years.",
      "S", "p", c1=V(themes="pd")),
    P("Second, the plan stops treating regulation as free. The previous approach piled reporting duties and safety frameworks onto a technology whose uses were barely understood.",
      "S", "d", c2=V(grow=1),
      c3=V(q="Every such requirement falls hardest on small companies that cannot hire compliance departments.")),
    P("Third, and most welcome to me, is its embrace of open models. The document says plainly that open-weight systems matter for innovation and for American values, and that the government should help researchers and start-ups get access to compute.",
      "S", "o", c3=V(themes="or")),
    P("If the world’s developers build on American open models, American norms travel with the code. If they build on Chinese ones, the reverse happens.",
      "S", "or", c2=V(themes="r")),
    P("Offering them a complete, trusted package — chips, cloud, models and security — is how the United States keeps partners inside its technology ecosystem instead of watching them drift toward Huawei and Alibaba.",
      "S", "ir", c2=V(back=1), c3=V(themes="ig")),
    P("Its language on state laws is a blunt instrument: tying federal funds to a state’s regulatory climate invites litigation and may end up chilling sensible consumer protections along with burdensome ones.",
      "C", "d", c2=V(stance="M", note="criticism inside an overall supportive piece")),
    P("And the order on ideological neutrality in federal procurement, whatever its merits, will be hard to pin down in contract language; agencies should keep the test narrow and measurable so that it does not become a political weapon for whichever party holds the White House.",
      "C", "h", c2=V(stance="M"), c3=SKIP),
    P("The workforce provisions also deserve more money than the plan promises.",
      "M", "i", c2=V(stance="C", grow=1)),
    P("the plan’s central insight is that leadership is kept by moving faster, not by writing rules for a technology before anyone knows what it will become.",
      "S", "dr", c2=V(q="The United States leads in frontier models and in chips, and the plan’s central insight is that leadership is kept by moving faster, not by writing rules for a technology before anyone knows what it will become.", themes="d"),
      c3=V(themes="d")),
]

SPECS["03-plan-written-for-industry.txt"] = [
    P("Read closely, it looks more like a list of requests from the largest technology companies, handed back with a presidential seal.",
      "C", "di", c2=V(back=1, themes="d"), c3=V(themes="i")),
    P("The plan is long on speed and short on accountability, and the people most likely to be hurt by careless AI deployment — tenants screened by automated systems, workers scored by algorithms, patients whose claims are denied by software — barely appear in it.",
      "C", "h", c1=V(themes="hd"), c3=V(start_at="the people most likely")),
    P("The administration’s answer is to get something similar by other means: federal agencies are told to weigh a state’s AI rules when deciding where discretionary money goes.",
      "C", "d", c2=V(grow=1), c3=V(stance="N", note="descriptive here; the judgement comes two sentences later")),
    P("That is not deregulation; it is pre-emption without a vote.", "C", "d", c2=SKIP),
    P("But in practice the government will decide which answers count as neutral, and the order names diversity, equity and inclusion as its example of distortion.",
      "C", "h", c2=V(grow=1)),
    P("A genuinely neutral procurement rule would rely on transparent testing against published criteria, not on a list of disfavoured ideas.",
      "C", "ht", c1=V(themes="h"), c3=SKIP),
    P("Deleting words from it does not make AI safer; it only narrows what engineers are encouraged to look for.",
      "C", "ts", c2=V(back=1, themes="t"), c3=V(themes="t")),
    P("Fast-tracking permits and offering federal land may speed construction, but it also removes the moments when neighbours could ask those questions.",
      "C", "p", c2=V(themes="pd")),
    P("The plan says little about household electricity prices, and nothing about the emissions of the gas plants that will realistically fill the gap while nuclear projects are still on the drawing board.",
      "C", "p", c3=SKIP),
    P("The commitment to open-weight models will help universities and smaller firms.",
      "S", "o", c3=V(stance="M", back=1, note="concession in a critical piece")),
    P("The proposals on biosecurity screening for DNA synthesis providers and on an information-sharing centre for AI-related cyber threats are sensible.",
      "S", "s", c2=V(grow=1)),
    P("This one begins with the companies, and trusts that whatever they build will be good for everyone else.",
      "C", "di", c1=V(back=1), c2=V(themes="d"), c3=V(themes="i")),
    P("Congress should hold hearings on the funding conditions for states and on the procurement order before either takes effect",
      "C", "dh", only="2"),
]

SPECS["04-shanghai-cooperation-body.html"] = [
    P("Chinese Premier Li Qiang used the opening of the World Artificial Intelligence Conference (世界人工智能大会) in Shanghai on Saturday to propose a new international organisation for cooperation on artificial intelligence.",
      "N", "u"),
    P("He warned that AI risked becoming an exclusive game for a small number of countries and companies, a remark widely understood as a reference to American restrictions on exports of advanced chips.",
      "N", "xr", c2=V(stance="C", note="critical of US chip controls (reported speech)")),
    P("China, he said, was ready to share its experience and its open-source models with other countries, especially developing ones.",
      "N", "og", c2=V(stance="S")),
    P("Officials said the proposed World AI Cooperation Organization could have its headquarters in Shanghai. They did not say which countries had been approached, how the body would be funded or how decisions would be taken.",
      "N", "u", c2=V(end_after="headquarters in Shanghai.")),
    P("It calls for joint investment in computing power and data infrastructure, for open-source communities that let developers build on each other’s models, and for cross-border data sharing within the limits of each country’s laws.",
      "N", "ov", c2=V(themes="v")),
    P("Capacity building for countries of the Global South runs through the text, and the United Nations is named as the main channel for international governance.",
      "N", "gu"),
    P("“One plan talks about winning a race, the other about joining a club,” said Daniel Okafor, a technology policy researcher based in Singapore, who attended the opening session. “The real question is what membership will cost.”",
      "M", "ru", c2=V(end_after="joining a club,”", themes="r")),
    P("domestic chip designers used the event to present accelerators meant to replace Nvidia hardware that Chinese firms can no longer easily buy.",
      "N", "xi", c2=V(themes="x")),
    P("One European official, speaking on condition of anonymity, said the plan contained “reasonable language on safety and standards” but that governments would want to see the new organisation’s charter before deciding whether to take part.",
      "M", "us", c2=V(themes="ut")),
    P("Among the foreign speakers was the computer scientist Geoffrey Hinton, who urged governments to cooperate on research into keeping advanced systems under human control.",
      "N", "s", only="1"),
]

SPECS["06-open-door-in-shanghai.md"] = [
    P("It is an offer of cooperation, and it deserves to be read on its merits rather than dismissed as propaganda.",
      "S", "u", c2=V(back=1)),
    P("A governance debate that focuses only on the risks of frontier models, while three-quarters of humanity lack the means to build even modest systems, is a debate among the privileged.",
      "S", "g", c3=V(stance="C", themes="gs", note="critical of the frontier-risk agenda rather than praise for the plan")),
    P("By putting capacity building for the Global South at the centre, the plan speaks to the majority of countries rather than to a small club.",
      "S", "g", c2=V(themes="gu")),
    P("The new document turns those commitments into concrete proposals: joint laboratories, training programmes, shared computing resources and support for local language data.",
      "S", "g", c3=V(stance="N")),
    P("For a university in Nairobi or a start-up in Jakarta, this matters more than any declaration: a model you can run on your own servers, in your own language, under a permissive licence, is a form of sovereignty.",
      "S", "ov", c2=V(themes="o"), c3=V(start_at="a model you can run", themes="vo")),
    P("Export controls may slow a competitor for a while, but they also raise costs for every country that is not a close ally of the country imposing them.",
      "C", "x", c1=V(back=1), c2=V(themes="xg")),
    P("When Li Qiang warned that AI must not become an exclusive game for a few countries and companies, many delegates from developing countries nodded, because they have felt that exclusion directly.",
      "S", "gr", only="3"),
    P("The plan answers that question itself: it names the UN as the main channel for global governance and presents the new body as a practical platform for projects, standards work and exchanges that the UN system is not designed to run.",
      "S", "u", c3=V(themes="ut")),
    P("Of course, the details matter. Membership rules, funding and decision-making must be transparent, and the organisation will only earn trust if it includes countries with very different political systems and gives them a real voice.",
      "M", "u", c2=V(stance="S", start_at="Membership rules")),
    P("These are the same goals that Western safety institutes pursue. Cooperation on them should not depend on the state of trade relations.",
      "S", "s", c2=V(back=1, themes="st"), c3=SKIP),
    P("Governments that care about inclusive AI governance — including those that are wary of China — lose little by walking through it, asking hard questions, and shaping what comes next from the inside.",
      "S", "u", c1=V(back=1), c3=V(themes="ur")),
]

SPECS["07-generous-words-familiar-limits.md"] = [
    P("But a governance plan should be judged by what its author does at home and by what it leaves out, and on both counts there is reason for caution.",
      "C", "u", c2=V(back=1)),
    P("The document is almost silent on content control, which is the defining feature of how China governs 人工智能 domestically.",
      "C", "h", c2=V(grow=1)),
    P("A plan that promotes the international spread of these models while saying nothing about the political filters built into them is asking other countries to import those filters without discussion.",
      "C", "h", c2=V(themes="ho"), c3=V(back=1)),
    P("Sharing, in this framework, is likely to flow mostly in one direction.",
      "C", "v", c1=V(back=1)),
    P("Beijing’s embrace of open-source AI is real, and Chinese labs such as DeepSeek and Alibaba’s Qwen team have released genuinely strong open-weight models. Researchers everywhere have benefited.",
      "M", "o", c2=V(stance="S", end_after="open-weight models.")),
    P("With access to the most advanced Nvidia chips restricted, Chinese companies have good commercial reasons to build an ecosystem of developers around their models and to set the defaults others will build on.",
      "C", "oi", c2=V(themes="ox"), c3=V(stance="N", themes="i")),
    P("A parallel body headquartered in Shanghai, with no published charter, membership rules or funding model, could divide attention and money rather than add to them.",
      "C", "u", c1=V(grow=1), c3=V(themes="ur")),
    P("But capacity building that comes bundled with one country’s hardware, cloud services and standards creates dependence, whichever country provides it. That criticism applies equally to Washington’s plan to export its full technology stack, and it is fair to say so.",
      "C", "gv", c1=V(themes="g"), c2=V(end_after="whichever country provides it."),
      c3=V(stance="M", themes="g", note="faults both the US and China")),
    P("Working-level cooperation on evaluations, incident reporting and biosecurity is worth pursuing, and it does not require joining a new organisation.",
      "M", "s", c2=V(stance="S")),
    P("The sensible response is neither to applaud nor to boycott.",
      "M", "u", c1=V(grow=1), c3=SKIP),
    P("If the offer is as open as its wording, those requests will be easy to meet.",
      "C", "u", only="2"),
]

SPECS["08-open-weights-summer.md"] = [
    P("For those of us who have argued for years that model weights belong in the commons, it is tempting to declare victory. It is not quite time, but the direction is unmistakable.",
      "S", "o", c2=V(end_after="declare victory.")),
    P("It matched closed systems on many benchmarks at a fraction of the reported training cost, and it showed that a capable lab outside Silicon Valley could set the pace by giving its work away.",
      "S", "o", c1=V(themes="or"), c2=V(back=1)),
    P("Meanwhile Meta’s Llama models, the early flagships of open weights, remained popular but came with a custom licence that restricts the largest companies and imposes an acceptable use policy. By the standards of the Open Source Initiative, Llama is not open source at all.",
      "C", "o", c2=V(start_at="By the standards")),
    P("That fact explains much of the sudden enthusiasm in Washington.",
      "C", "r", c2=V(stance="N")),
    P("Open weights matter because they let people check what a model does. Independent researchers can probe an open model for bias, test its safety behaviour and measure its failures without asking the vendor for permission.",
      "S", "os", c2=V(themes="o")),
    P("And they matter because a hospital, a court or a ministry can run an open model on its own hardware, keeping sensitive data at home instead of sending it to a foreign cloud.",
      "S", "ov"),
    P("But the evidence so far suggests the marginal risk of today’s open models is small compared with what is already available through closed products and ordinary search.",
      "S", "s", c2=V(back=1, stance="M", themes="so", note="concedes the risk argument first")),
    P("Public funding for compute should be available to academic and non-profit groups that release their models and training code.",
      "S", "oi", c2=V(themes="o")),
    P("a model with usage restrictions and size limits on who may use it is “available”, not open, and official documents should not blur the distinction.",
      "C", "o", c1=V(q="And licences deserve honesty: a model with usage restrictions and size limits on who may use it is “available”, not open, and official documents should not blur the distinction."),
      c2=V(themes="ot")),
    P("If open models are valued only as a way to spread one country’s influence, they will be abandoned the moment that goal changes.",
      "C", "r", c2=V(themes="ro", grow=1)),
    P("Governments now claim to love openness. They should prove it.",
      "M", "o", only="1"),
]

SPECS["09-h20-sales-mistake.md"] = [
    P("Export control, in other words, has become a toll booth.", "C", "x"),
    P("That is a serious mistake, and it contradicts the administration’s own strategy.",
      "C", "x", c2=SKIP),
    P("Every H20 sold to a Chinese cloud provider is capacity that Chinese labs do not have to build with domestic chips that are still scarce and less efficient.",
      "C", "xr", c2=V(themes="x"), c3=V(back=1, themes="x")),
    P("Selling them a bridge while they build their own road is the opposite of what a serious strategy would do.",
      "C", "xr", c2=SKIP, c3=V(themes="r")),
    P("Once those decisions come with a payment attached, every licence looks like a negotiation, and every future restriction looks like an opening bid.",
      "C", "x", c2=V(grow=1, themes="xr")),
    P("It calls for stronger enforcement, for exploring location verification so that advanced chips cannot quietly end up in the wrong country, and for closing loopholes in the controls on semiconductor manufacturing subsystems. Those are sound proposals.",
      "S", "x", c2=SKIP, c3=V(back=1, stance="M", note="praise for the plan, used against the H20 decision")),
    P("The Bureau of Industry and Security, which administers the rules, has too few agents to check where exported hardware ends up.",
      "C", "x", c3=V(themes="xs")),
    P("A bipartisan bill in Congress would require location verification on advanced chips; it deserves a vote.",
      "S", "x", c2=SKIP),
    P("At the end of July China’s internet regulator summoned Nvidia to explain alleged security risks in the H20, and state media have urged domestic companies to buy local chips instead.",
      "N", "x", c2=V(themes="xv"), c3=SKIP),
    P("Some will read that as proof that the sales do not matter. I read it as a government that wants to keep its options open while its own industry catches up — which is exactly why Washington should not be helping.",
      "C", "rx", c1=V(start_at="I read it"), c2=SKIP, c3=V(themes="r")),
    P("The administration should suspend the H20 licences, drop the revenue-sharing arrangement, and fund the enforcement measures its own plan describes.",
      "C", "x", c2=SKIP, c3=V(stance="S", note="supports stronger controls")),
    P("Chip exports to partners in the Gulf and Asia can continue under strict conditions, including verification of where the hardware runs.",
      "S", "xi", only="1"),
]
