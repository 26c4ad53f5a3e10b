"""Small built-in stop-word lists for word frequencies (function words only, case-folded).

Deliberately short: they remove the words that would top every list (articles, pronouns,
auxiliaries, prepositions, conjunctions) and nothing a content analyst might count. Chinese is
counted in character bigrams (see :mod:`desk_annotator.analysis.concordance`); its list holds
function characters, and a bigram containing one is not counted.
"""

from __future__ import annotations

_LISTS = {
    "en": """a about above after again against all also am an and any are as at be because been
        before being below between both but by can could did do does doing down during each
        few for from further had has have having he her here hers herself him himself his how
        i if in into is it its itself just me more most my myself no nor not now of off on
        once only or other our ours ourselves out over own same she should so some such than
        that the their theirs them themselves then there these they this those through to too
        under until up very was we were what when where which while who whom why will with
        would you your yours yourself yourselves s t don said says""",
    "de": """aber alle allem allen aller alles als also am an ander andere anderen auch auf aus
        bei bin bis bist da damit dann das dass dem den denn der des dich die dies diese
        diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines
        er es etwas euch euer für gegen hab habe haben hat hatte hier hin hinter ich ihm ihn
        ihnen ihr ihre im in ist ja jede jedem jeden jeder jedes jene jetzt kann kein keine
        können man manche mein meine mich mir mit muss nach nicht nichts noch nun nur ob oder
        ohne sehr sein seine sich sie sind so solche soll sondern sonst über um und uns unser
        unter vom von vor war waren warum was weil welche wenn wer werden wie wieder will wir
        wird wo wollen zu zum zur zwar zwischen""",
    "fr": """à au aux avec ce ces cette dans de des du elle elles en est et être eu il ils je
        la le les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ont ou où
        par pas pour qu que qui sa se ses si son sont sur ta te tes toi ton tu un une vos
        votre vous y c d j l m n s t été était sont ainsi comme plus aussi entre sans sous
        tout tous toute toutes""",
    "es": """a al algo algunos ante antes como con contra cual cuando de del desde donde durante
        e el ella ellas ellos en entre era es esa ese eso esta este esto estos fue ha han
        hasta hay la las le les lo los más me mi mis mucho muy nada ni no nos nosotros o os
        otra otro para pero poco por porque que quien se ser si sí sin sobre son su sus también
        tanto te ti todo todos tu tus un una uno unos y ya yo está están""",
    "tr": """acaba ama ancak artık aslında az bana bazı belki ben benden beni benim bir biri
        birkaç birşey biz bize bizi bu buna bunda bundan bunu bunun da daha de değil diye
        en gibi hem hep hepsi her hiç için ile ise kez ki kim mı mi mu mü nasıl ne neden
        nerde nerede nereye niye niçin o olan olarak oldu olduğu olmak olup ona ondan onlar
        onu onun şey şu sen siz ve veya ya yani çok çünkü""",
    "zh": "的 了 是 在 和 也 有 就 不 都 而 及 与 着 或 一 个 之 这 那 我 你 他 她 它 们 其 被 把 对 于 从 以 为 等 但 并 还 又",
}

STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(w.casefold() for w in words.split()) for lang, words in _LISTS.items()}
LANGUAGES = tuple(STOP_WORDS)


def stop_words(language: str | None) -> frozenset[str]:
    """The list for a language code or tag ("en", "de-CH", "zh-Hans"); empty if unknown."""
    if not language:
        return frozenset()
    return STOP_WORDS.get(language.strip().lower().replace("_", "-").split("-")[0], frozenset())
