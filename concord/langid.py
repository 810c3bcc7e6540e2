"""Language identification for documents and their paragraphs (ISO 639-1 codes).

langdetect (seeded, so results are deterministic) is the detector of record, but at a few
hundred calls a second it cannot see every paragraph of a large corpus. So this module first
decides cheaply whatever is obvious: paragraphs too short to judge inherit the document's
language; a paragraph written in a script that names its language (kana, Hangul, Greek,
Hebrew, Arabic) gets that language; and a paragraph keeps the document language when that
language's frequent function words (or its letters, such as "ы" or "ł") speak for it and no
other language's function words speak against it. Only the rest, well under 1% of the
paragraphs of a novel, goes to langdetect, with py3langid (deterministic, restricted to
langdetect's languages and Latin) as a second opinion: a paragraph leaves the document
language only when both detectors agree (or both are sure), when close languages (Spanish and
Portuguese, Swedish and Danish...) are told apart by function words or letters as well, and
Latin, which langdetect lacks, is py3langid's word. A short paragraph (a verse line, a quoted
saying: 3 words and 15 letters will do) leaves the document language only when another
language's function words outweigh the document language's and py3langid names that language.
No smoothing: a single French paragraph in an English article comes out ``fr``. This module
reads no files and knows nothing of offsets, tokens' positions or the index.
"""

from __future__ import annotations

import os
import struct
from array import array
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain, repeat
from pathlib import Path

import regex
from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from concord.analysis import TOKEN_RE
from concord.cache import write_atomic

__all__ = [
    "UNDETERMINED",
    "detect_language",
    "document_language",
    "normalize_language",
    "paragraph_languages",
    "typed_paragraph_languages",
    "WordTypes",
]

# langdetect draws random samples of n-grams: unseeded, the same text can get different answers.
DetectorFactory.seed = 0

UNDETERMINED = "und"

MIN_PROBABILITY = 0.70
DETECT_CHARS = 2000
DOCUMENT_SAMPLE_CHARS = 3000
DOCUMENT_SAMPLE_WINDOWS = 5

# A paragraph shorter than this cannot be judged reliably, by langdetect or by the profile.
MIN_WORDS = 6
MIN_LETTERS = 40
# ... except a short one (a verse line, a quoted saying) in which another language's function
# words outweigh the document language's, when py3langid names that same language.
MIN_SHORT_WORDS = 3
MIN_SHORT_LETTERS = 15
# Two detectors both this sure of a language overrule the function words' evidence; on a short
# paragraph, py3langid must be SHORT_SURE of it.
SURE = 0.99
SHORT_SURE = 0.4
# Han, kana and Hangul carry a word or more per character or two.
MIN_DENSE_LETTERS = 12

# The fast path keeps the document language when no other language's function words speak
# against it (on the words telling the two apart, it has RATIO times as many) and its own make
# up SHARE of the paragraph's words, or its letters point to it (see _LETTERS).
SHARE = 0.10
RATIO = 2.0

# The most frequent function words of each language, lower-cased and split like concord's
# tokens ("l'État" gives "l", "état"); a word may be on several lists. Older spellings
# common in 19th-century texts are included (sv "af", "hvad"; pt "elle"; pl "jéj"; ru "въ").
_FUNCTION_WORD_LISTS = {
    "en": """the of and to a in that is was he for it with as his on be at by i had not are but
        from or have an they which you were her she there would their we him been has who will
        this all so what if my me no them said into than then could when upon should these
        those only any t do did your our us its been very""",
    "de": """der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch
        es an er hat aus bei sie nach wird um noch wie einem über einen so zum war haben nur oder
        aber vor zur bis mehr durch man sein wurde sei ich hatte ihr wenn dass daß was wir ihm
        ihn sind mir mich doch schon nun kann diese dieser seine ihre werden du da ja uns euch hier
        dir dich nein wo denn ob jetzt immer alles etwas nichts kein keine mein meine""",
    "nl": """de van het een en in is dat op te zijn voor met die niet aan er om ook als bij maar
        door dan of worden wordt naar nog uit werd over tot ze hij zij zich was had hebben heeft
        kan wel al dit deze geen ik je we wij men mijn zo zou hem haar hun wat nu toen meer u
        jij mij ons uw toch nooit niets iets hier daar waar zoo""",
    "fr": """de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se ce
        il sont ou avec son aux d l qu n s c j elle nous vous je on sa ses mais comme été y
        leur lui tout cette était avait même bien sans être ces dont fait si m tu te toi moi ma
        mon ton ta mes là oui non ai ont suis cela ça rien quand où très donc alors aussi""",
    "it": """di e il la che in a per un è del non una le si da i con della al dei lo gli come
        delle nel alla più ma anche sono ha questo era se suo sua o ci mi ne aveva quando già
        poi tutto quella quello ed nella degli dalla sul io lui lei essere fu l dell all d c
        no me ho tu ti te vi voi noi loro qui mai sei cui così ancora ecco sì ella egli su
        dal dallo dai dagli dalle nello nei negli nelle sulla sui sugli sulle col coi allo ai
        agli alle dello mio mia tuo suoi sue questa quel quei uno s va""",
    "es": """de la que el en y a los del se las por un con no una su para es al lo como más pero
        sus le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde
        todo nos les ni ese eso ellos esto yo él ella era había fue estaba dijo nada usted si
        mi ha han has he os bien te tu está ser son dos estas estos mas á tan así qué esa""",
    "pt": """de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi
        ao ele das tem à seu sua ou ser quando muito há nos já está eu também só pelo pela até
        isso ela entre era depois sem mesmo aos ter seus quem nas me esse lhe num nem elle ella
        tinha havia d n este esta porque nada te tu si sobre todo isto aquelle vos meu minha
        sim agora ainda aqui onde assim sempre tão á ha ja he pois sou ai""",
    "sv": """och i att det som en på är av för med till den har de inte om ett han men var jag
        sig från vi så kan man när hon också efter eller nu sin där vid mot skulle vara hade
        alla mycket än här då sedan över bara upp vad dem honom hennes hans mig icke af hvad
        hafva voro du er min ni ja ut oss se nå ville jo der dig denna detta ej å ä dej mej
        sej me va din""",
    "da": """og i at det en den til er som på de med han af for ikke der var mig sig men et har
        om vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad
        skal selv her alle vil blev kunne ind når være dog noget ville jo deres efter thi""",
    "no": """og i det på som er en til å han av for ikke med jeg at var de den har seg hun men
        om ble et så vi fra kan skal meg ut hadde etter deg da når dem ham hennes hvor eller
        sin noe nå også inn opp meget vil bare dette mot oss noen hva ikkje eg""",
    "pl": """i w nie na się z że do to jest o a jak ale po co tak za od jego go już tym by był
        jej czy tylko ze mnie mi tego ja jako przez dla pan sobie może było gdy bo ten jeszcze
        tej ich ma być tu teraz tam we ją aby kiedy nawet bardzo była lub mu je on ona ono oni
        my wy ty nas was ci te im nim nią nich cię swój swoje także więc lecz gdyż przed nad
        pod przy bez który która które ani albo gdzie kto coś sam pani jéj téj""",
    "ru": """и в не на я что он с как а то это она по но его к все так у же из за вы бы от мы о
        только ее её было был мне еще ещё для до когда уже нет ни если или меня они даже вот
        ему чтобы себя ты их была были быть который там тут где при без да ли много через те
        нам нас вас вам им ним ней него сам себе тебя тебе всё этот эта эти того тот чем кто
        тоже очень теперь здесь опять уж ведь ну хоть со во об про въ съ къ онъ изъ отъ былъ
        ея""",
    "uk": """і в на з що не у та до й як а це за він від по але я його вона так ж же то є їх її
        ми ви ти вже ще для був була було були щоб тільки мене мені собі теж також який
        яка які бо аж хоч де там тут цей ця ці через""",
    "bg": """и на да се в не от за че е с по са си това ще като той тя те ни но му ми ли беше
        бе а към до при след още какво така тук там кой която който които един една вече
        само когато нещо много""",
    "cs": """a se na v je že to s z do o i ve k jako by ale si po jsem jak pro tak co za od jeho
        byl už jen ho mu ji jsou bylo byla když také aby nebo ten které který jejich mě jsme
        ještě tam tu není při""",
    "fi": """ja on oli ei se että hän en mutta kun niin joka ovat myös tai sen kuin jo vain jos
        nyt sitten mitä minä sinä me te he hänen ole olla ollut olisi tämä tässä siitä siinä
        kanssa vielä jotka jonka koska vaan sekä mikä kaikki olivat voi""",
    "hu": """a az és hogy nem is egy meg de volt van csak el ki már még mint ha azt s ez én mi ő
        sem pedig után majd vagy le fel be most aztán ezt azért mert amely aki ami nagyon
        olyan lesz minden között ott itt sok úgy""",
    "ro": """de și şi în la a cu pe o că din nu care se un să ce ca mai pentru este lui sau dar
        fost am al au fi sunt era le îi ne mă el ea ei cum după prin până când acest această
        foarte""",
    "ca": """de la i el que a en va per els amb les no es un una del al com hi ho més però ja li
        ha són seu seva si ens molt quan també tot aquest aquesta perquè jo ell ella sense fins
        pel dels als d l""",
    "la": """et in est non ad cum ut quod qui quae de sed si ex per a ab esse sunt enim autem nec
        atque ac quam quo hoc eius se sibi etiam vel aut tamen quia ne iam nunc ille illa hic
        haec erat fuit inter sub pro post ita sic quidem neque eo ea id ejus eum suis suum
        omnes mihi tibi nobis vobis ipse ipsa nisi ergo igitur dum ubi unde apud ego nos vos
        meus mea meum tuus tua tuum tuas suus sua nostra nostri vester quis quid omnia nihil
        sicut deus domine dominus""",
    "eo": """la kaj de en al estas ne mi ĉe por ke ni li ŝi ili vi oni kun el pri sed da tiu tio
        kiu kio sur se ankaŭ nur estis povas ĉiuj unu ĝi sia sian lia ŝia tre jam nun ĉu post
        sen inter antaŭ kiel tiel estos estus""",
}

# The non-ASCII letters each language writes, and among them the ones that point to it. A
# paragraph with few function words still keeps the document language when none contradicts
# it, all its letters belong to that language and at least MIN_MARKERS are pointers:
# "Лицо Олеси пылало лихорадочным румянцем" has no function word, but "ы" is Russian.
_LETTERS = {
    "en": ("éèêëïôæœç", ""),
    # Printed Latin may mark long or stressed vowels.
    "la": ("æœëéèêáàâíìîóòôúùû", ""),
    "de": ("äöüßéèàç", "äöüß"),
    "nl": ("éëïöüèáóúàç", "ëï"),
    "fr": ("éèêëàâîïôûùüçœæÿ", "èêàâçîôûœ"),
    "it": ("àèéìòùíóúî", "àèìòù"),
    "es": ("áéíóúñü", "áíóúñ¿¡"),
    "pt": ("áàâãéêíóôõúçü", "ãõçâêô"),
    "ca": ("àèéíïòóúüç", "àèòçï"),
    "sv": ("åäöéü", "åäö"),
    "da": ("æøåéü", "æøå"),
    "no": ("æøåéèêóòô", "æøå"),
    "pl": ("ąćęłńóśźżé", "ąćęłńśźż"),
    "cs": ("áčďéěíňóřšťúůýž", "čďěňřšťůý"),
    "sk": ("áäčďéíĺľňóôŕšťúýž", "äĺľŕô"),
    "fi": ("äöå", "äö"),
    "hu": ("áéíóöőúüű", "őűö"),
    "ro": ("ăâîșşțţ", "ăâîșşțţ"),
    "eo": ("ĉĝĥĵŝŭ", "ĉĝĥĵŝŭ"),
    "ru": ("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіѣѳѵ", "ыэё"),
    "uk": ("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя", "іїєґ"),
}
MIN_MARKERS = 2
# Russian and Ukrainian never write each other's pointers at all: one is enough.
_MIN_MARKERS = {"ru": 1, "uk": 1}

# Languages whose frequent words overlap too much for the profile to tell apart: within a
# group the fast path does not compare them (langdetect confuses them as well).
_SISTERS = {"da": frozenset({"no"}), "no": frozenset({"da"})}

# Close languages that both detectors confuse on short paragraphs (Spanish read as Portuguese,
# Swedish as Danish): between them, only the function words or letters decide.
_CLOSE = {
    frozenset(pair)
    for pair in (
        ("es", "pt"),
        ("es", "ca"),
        ("pt", "ca"),
        ("es", "gl"),
        ("pt", "gl"),
        ("sv", "da"),
        ("sv", "no"),
        ("da", "no"),
        ("cs", "sk"),
        ("hr", "sl"),
    )
}

_CYRILLIC_LANGUAGES = frozenset({"ru", "uk", "bg"})
# Restricting langdetect to these keeps a Cyrillic paragraph from coming out as, say, "en".
_CYRILLIC_PRIOR = {"ru": 1.0, "uk": 1.0, "bg": 1.0, "mk": 1.0}


def _function_word_table(lists: dict[str, str]) -> dict[str, frozenset[str]]:
    """Map each function word to the languages listing it."""
    owners: dict[str, set[str]] = {}
    for lang, words in lists.items():
        for word in words.split():
            owners.setdefault(word, set()).add(lang)
    return {word: frozenset(langs) for word, langs in owners.items()}


_FUNCTION_WORDS = _function_word_table(_FUNCTION_WORD_LISTS)
_PROFILED = frozenset(_FUNCTION_WORD_LISTS)

# Scripts, by the group numbers of _SCRIPT_RUN; Latin letters are what remains.
_LATIN, _CYRILLIC, _GREEK, _KANA, _HAN, _HANGUL, _ARABIC, _HEBREW, _OTHER = range(9)
_SCRIPT_RUN = regex.compile(
    r"(\p{Cyrillic}+)|(\p{Greek}+)|([\p{Hiragana}\p{Katakana}]+)|(\p{Han}+)|(\p{Hangul}+)"
    r"|(\p{Arabic}+)|(\p{Hebrew}+)|([\p{L}--\p{Latin}]+)",
    regex.V1,
)
_NON_LATIN_LETTER = regex.compile(r"[\p{L}--\p{Latin}]", regex.V1)
_CJK = -1  # Han and kana together, for choosing the dominant script
_SCRIPT_LANGUAGE = {_GREEK: "el", _HANGUL: "ko", _ARABIC: "ar", _HEBREW: "he"}
_LANGUAGE_SCRIPT = {
    "ru": _CYRILLIC,
    "uk": _CYRILLIC,
    "bg": _CYRILLIC,
    "mk": _CYRILLIC,
    "be": _CYRILLIC,
    "kk": _CYRILLIC,
    "mn": _CYRILLIC,
    "el": _GREEK,
    "ja": _CJK,
    "zh": _CJK,
    "ko": _HANGUL,
    "ar": _ARABIC,
    "fa": _ARABIC,
    "ur": _ARABIC,
    "he": _HEBREW,
    "yi": _HEBREW,
}
# Letters of Persian and Urdu absent from Arabic: with them, the script alone does not decide.
_NOT_ONLY_ARABIC = regex.compile(
    r"[\u067e\u0686\u0698\u06a9\u06af\u06cc\u0679\u0688\u0691\u06ba\u06d2]"
)

# Declared languages: ISO 639-2/B and /T codes and names (English and native) of the common
# languages, plus retired ISO 639-1 codes. Any other two-letter code is taken as it is.
_LANGUAGE_ALIASES = {
    "ar": ("ara", "arabic", "العربية"),
    "bg": ("bul", "bulgarian", "български"),
    "ca": ("cat", "catalan", "català"),
    "cs": ("cze", "ces", "czech", "čeština"),
    "da": ("dan", "danish", "dansk"),
    "de": ("ger", "deu", "german", "deutsch"),
    "el": ("gre", "ell", "greek", "ελληνικά"),
    "en": ("eng", "english"),
    "eo": ("epo", "esperanto"),
    "es": ("spa", "spanish", "español", "espanol", "castellano"),
    "fi": ("fin", "finnish", "suomi"),
    "fr": ("fre", "fra", "french", "français", "francais"),
    "he": ("heb", "hebrew", "עברית", "iw"),
    "hu": ("hun", "hungarian", "magyar"),
    "it": ("ita", "italian", "italiano"),
    "ja": ("jpn", "japanese", "日本語"),
    "ko": ("kor", "korean", "한국어"),
    "la": ("lat", "latin", "latina"),
    "nl": ("dut", "nld", "dutch", "nederlands", "flemish"),
    "no": ("nor", "nob", "nno", "nb", "nn", "norwegian", "norsk", "bokmål", "nynorsk"),
    "pl": ("pol", "polish", "polski"),
    "pt": ("por", "portuguese", "português", "portugues"),
    "ro": ("rum", "ron", "romanian", "română", "mo"),
    "ru": ("rus", "russian", "русский"),
    "hr": ("hrv", "croatian", "hrvatski"),
    "sr": ("srp", "serbian", "српски"),
    "sv": ("swe", "swedish", "svenska"),
    "tr": ("tur", "turkish", "türkçe"),
    "uk": ("ukr", "ukrainian", "українська"),
    "yi": ("yid", "yiddish", "ji"),
    "zh": ("chi", "zho", "chinese", "中文"),
}
_ALIASES = {alias: code for code, aliases in _LANGUAGE_ALIASES.items() for alias in aliases}
_NO_LANGUAGE = frozenset({"", "und", "mul", "zxx", "mis", "unknown", "none"})


def normalize_language(code: str | None) -> str | None:
    """Return the ISO 639-1 code for a declared language, or None if it names none.

    Accepts any case, region or script subtags ("en-GB", "zh_Hant_TW"), ISO 639-2 codes and
    names of the common languages ("fra", "German", "français").
    """
    if code is None:
        return None
    text = code.strip().lower().replace("_", "-")
    if text in _ALIASES:
        return _ALIASES[text]
    primary = text.split("-", 1)[0]
    if primary in _NO_LANGUAGE:
        return None
    if primary in _ALIASES:
        return _ALIASES[primary]
    if len(primary) == 2 and primary.isascii() and primary.isalpha():
        return primary
    return None


def language_tag(value: str | None) -> str:
    """A declared language as an ISO 639-1 code, or ``""`` when it names none (readers)."""
    return normalize_language(value) or ""


@lru_cache(maxsize=1024)
def language_name(code: str, in_language: str = "en") -> str:
    """The name of language ``code`` in ``in_language`` (CLDR, via babel), or the code itself."""
    from babel import Locale

    try:
        name = Locale.parse(code).get_display_name(Locale.parse(in_language))
    except (ValueError, TypeError, LookupError):
        return code
    return name or code


@lru_cache(maxsize=1)
def _factory() -> DetectorFactory:
    # Our own factory, loaded on first use, so that importing concord costs no profile loading.
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


@lru_cache(maxsize=4096)
def _ranked(text: str, cyrillic_only: bool = False) -> tuple[tuple[str, float], ...]:
    """Return langdetect's ``(code, probability)`` pairs for ``text``, best first."""
    detector = _factory().create()
    if cyrillic_only:
        detector.set_prior_map(_CYRILLIC_PRIOR)
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return ()
    return tuple((_from_langdetect(found.lang), found.prob) for found in ranked)


_MODEL_HEADER = struct.Struct("<8sQqI")    # magic, source size, source mtime (ns), CRC-32
_MODEL_MAGIC = b"CLIDNPZ1"


def _model_cache() -> Path:
    """Where py3langid's model is kept decompressed: beside the decoded lemma dictionaries
    (``$CONCORD_CACHE_DIR``...), one file per py3langid version."""
    from .cache import package_folder

    return package_folder("py3langid") / "model.npz"


def _model_arrays(cache: Path | None = None):
    """py3langid's model as ``from_model_file`` reads it, but from a decompressed copy in
    the cache: decompressing the LZMA file takes about half a second, in every process that
    identifies a paragraph (each indexing worker). The copy is checked (the model file's
    size and time, a CRC-32 of the content) and written again when missing or wrong; a
    cache that cannot be written leaves the model in memory only."""
    import io
    import lzma
    import zlib

    import numpy as np
    from py3langid.modelio import _to_array

    source = MODEL_DIR / MODEL_FILE
    info = source.stat()
    stamp = (info.st_size, info.st_mtime_ns)
    cache = _model_cache() if cache is None else cache
    try:
        data = cache.read_bytes()
    except OSError:
        data = b""
    body = None
    if len(data) >= _MODEL_HEADER.size:
        magic, size, mtime, crc = _MODEL_HEADER.unpack_from(data)
        view = memoryview(data)[_MODEL_HEADER.size:]
        if magic == _MODEL_MAGIC and (size, mtime) == stamp and zlib.crc32(view) == crc:
            body = view
    if body is None:
        body = lzma.decompress(source.read_bytes())
        write_atomic(cache, _MODEL_HEADER.pack(_MODEL_MAGIC, *stamp, zlib.crc32(body)) + body)
    with np.load(io.BytesIO(body), allow_pickle=False) as data:
        return (data["ptc"], data["pc"], data["classes"].tolist(), _to_array(data["nextmove"]),
                _to_array(data["nextmove_row"]), data["out_feat"].tolist())


@lru_cache(maxsize=1)
def _second_identifier() -> LanguageIdentifier:
    # Loaded on first use, restricted to langdetect's languages and Latin so that the two
    # detectors answer in the same terms. As LanguageIdentifier.from_model_file does, from
    # the decompressed copy (_model_arrays).
    import numpy as np

    ptc, pc, classes, nextmove, row, output = _model_arrays()
    identifier = LanguageIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output,
                                    norm_probs=True, tk_row=row)
    codes = {_from_langdetect(name) for name in os.listdir(PROFILES_DIRECTORY)} | {"la"}
    identifier.set_languages(sorted(codes.intersection(identifier.labels)))
    return identifier


def load_models() -> None:
    """Load both detectors' models now. A build does, in the process that forks its
    indexing workers: the workers then share the pages (py3langid's arrays are never
    written) instead of loading a copy each."""
    _factory()
    _second_identifier()


def release_models() -> None:
    """Drop the models and the memoised answers (loaded again when next needed)."""
    for cached in (_factory, _second_identifier, _ranked, _second_ranking):
        cached.cache_clear()


@lru_cache(maxsize=4096)
def _second_ranking(text: str) -> tuple[tuple[str, float], ...]:
    """Return py3langid's three likeliest languages for ``text``, with their probabilities.
    Only its first ``DETECT_CHARS`` characters are read: callers pass no more, so that
    the memoised keys stay short (a worker's cache held whole paragraphs)."""
    return tuple(_second_identifier().rank(text[:DETECT_CHARS])[:3])


def _second_opinion(text: str) -> tuple[str, float]:
    """Return py3langid's language for ``text`` (among langdetect's and Latin) and its probability."""
    return _second_ranking(text[:DETECT_CHARS])[0]


def _from_langdetect(code: str) -> str:
    return code.split("-", 1)[0]  # zh-cn, zh-tw


def _detect(text: str, limit: int) -> str | None:
    sample = text[:limit]
    if sample.isupper():
        # langdetect skips words in capitals: a heading in capitals would have no features.
        sample = sample.lower()
    ranked = _ranked(sample)
    if not ranked or ranked[0][1] < MIN_PROBABILITY:
        return None
    return ranked[0][0]


def detect_language(text: str) -> str | None:
    """Return langdetect's language for ``text``, or None when it cannot decide with confidence.

    Only the first ``DETECT_CHARS`` characters are read. Codes are ISO 639-1 (``zh-cn`` and
    ``zh-tw`` become ``zh``); the answer is None when langdetect finds no features or its best
    language has a probability below ``MIN_PROBABILITY``.
    """
    return _detect(text, DETECT_CHARS)


def document_language(paragraphs: Sequence[str], declared: str | None) -> str | None:
    """Return the declared language if it names one, else the language detected on a sample.

    The sample is up to ``DOCUMENT_SAMPLE_CHARS`` characters taken from paragraphs at several
    places through the document, past any front matter at its start.
    """
    code = normalize_language(declared)
    if code is not None:
        return code
    sample = _document_sample(paragraphs)
    if not sample:
        return None
    return _detect(sample, DOCUMENT_SAMPLE_CHARS)


def _document_sample(paragraphs: Sequence[str]) -> str:
    texts = [p.strip() for p in paragraphs]
    candidates = [t for t in texts if len(t) >= MIN_LETTERS] or [t for t in texts if t]
    if not candidates:
        return ""
    window = DOCUMENT_SAMPLE_CHARS // DOCUMENT_SAMPLE_WINDOWS
    pieces: list[str] = []
    taken: set[int] = set()
    for i in range(DOCUMENT_SAMPLE_WINDOWS):
        # Windows start at 10%, 30%, ... 90% of the document.
        index = (2 * i + 1) * len(candidates) // (2 * DOCUMENT_SAMPLE_WINDOWS)
        size = 0
        while index < len(candidates) and index not in taken and size < window:
            piece = candidates[index][: window - size]
            pieces.append(piece)
            taken.add(index)
            size += len(piece)
            index += 1
    return "\n".join(pieces)


def paragraph_languages(paragraphs: Sequence[str], doc_language: str | None) -> list[str]:
    """Return one language code per paragraph.

    A paragraph that cannot be decided gets ``doc_language``, or ``"und"`` when that is None.
    The indexer, which has the paragraphs' tokens already, calls
    :func:`typed_paragraph_languages` instead: the same answers.
    """
    doc = normalize_language(doc_language)
    doc_script = _LANGUAGE_SCRIPT.get(doc, _LATIN) if doc else None
    fallback = doc or UNDETERMINED
    return [_paragraph_language(p, doc, doc_script) or fallback for p in paragraphs]


class WordTypes:
    """What the detectors need of each word type (a surface form), by type number.

    The indexer numbers the distinct tokens of its documents; :meth:`add` records each new
    one here, so that :func:`typed_paragraph_languages` weighs a paragraph's function words
    with array operations over type numbers instead of a dictionary look-up per token.
    """

    def __init__(self) -> None:
        self.lower: list[str] = []               # the form in lower case
        self._number = bytearray()               # 1 if a number (left out of the words)
        self._letters = array("q")               # characters of the lower-case form
        self._owners = array("q")                # owner set (see _OWNER_SETS) if a function word
        self._non_latin = bytearray()            # 1 if it has a letter of another script
        self._sigma = bytearray()                # 1 if it has a capital sigma

    def add(self, form: str) -> None:
        lower = form.lower()
        self.lower.append(lower)
        number = lower.isdigit()
        self._number.append(number)
        self._letters.append(len(lower))
        owners = None if number else _FUNCTION_WORDS.get(lower)
        self._owners.append(0 if owners is None else _OWNER_SET_NUMBER[owners])
        self._non_latin.append(not form.isascii() and _NON_LATIN_LETTER.search(form) is not None)
        self._sigma.append("\u03a3" in form)

    def add_many(self, forms: list[str]) -> None:
        """:meth:`add` each of ``forms`` (none holding a line break), in one pass where it can.

        Lower case depends on the neighbours only for a capital sigma, and a line break
        (neither cased nor case-ignorable) ends a word as the end of the text does: the
        forms joined by line breaks lower-case as each does alone.
        """
        if not forms:
            return
        joined = "\n".join(forms)
        lowered = joined.lower().split("\n")
        if len(lowered) != len(forms):
            raise ValueError("add_many: a form holds a line break")
        self.lower.extend(lowered)
        numbers = list(map(str.isdigit, lowered))
        self._number.extend(numbers)
        self._letters.extend(map(len, lowered))
        # (No function word is a number: a number's owner set is 0 as well.)
        self._owners.extend(map(_FUNCTION_WORD_SET.get, lowered, repeat(0, len(lowered))))
        if joined.isascii():
            self._non_latin.extend(bytes(len(forms)))
        else:
            search = _NON_LATIN_LETTER.search
            self._non_latin.extend(not form.isascii() and search(form) is not None
                                   for form in forms)
        if "\u03a3" in joined:
            self._sigma.extend("\u03a3" in form for form in forms)
        else:
            self._sigma.extend(bytes(len(forms)))

    def arrays(self):
        """(number, letters, owner set, non-Latin, sigma) of every type, as numpy arrays.

        They are views of the growing buffers, not copies: drop them before the next
        :meth:`add` (which would otherwise fail, as a buffer in use cannot grow).
        """
        import numpy as np

        def flags(buffer: bytearray) -> np.ndarray:
            return np.frombuffer(buffer, dtype=np.uint8).view(bool)

        return (flags(self._number), np.frombuffer(self._letters, dtype=np.int64),
                np.frombuffer(self._owners, dtype=np.int64), flags(self._non_latin),
                flags(self._sigma))


# Every set of languages that shares a function word, numbered from 1 (0: not a function word).
_OWNER_SETS = [frozenset()] + sorted(set(_FUNCTION_WORDS.values()), key=sorted)
_OWNER_SET_NUMBER = {owners: number for number, owners in enumerate(_OWNER_SETS)}
_PROFILED_ORDER = sorted(_PROFILED)
# The owner set number of each function word.
_FUNCTION_WORD_SET = {word: _OWNER_SET_NUMBER[owners] for word, owners in _FUNCTION_WORDS.items()
                      if not word.isdigit()}


@lru_cache(maxsize=1)
def _owner_rows():
    """_owner_matrix as 0/1 int32, for sums of rows."""
    return _owner_matrix().astype("int32")


@lru_cache(maxsize=1)
def _owner_matrix():
    """Row ``k``: which languages of _PROFILED_ORDER own the function words of owner set ``k``."""
    import numpy as np

    return np.array([[lang in owners for lang in _PROFILED_ORDER] for owners in _OWNER_SETS])


def typed_paragraph_languages(paragraphs: Sequence[str], doc_language: str | None,
                              types: WordTypes, ids, bounds: Sequence[int]) -> list[str]:
    """:func:`paragraph_languages` of a document whose tokens are given as type numbers.

    ``ids`` are the type numbers (of ``types``) of the document's tokens, and paragraph ``i``
    holds ``ids[bounds[i]:bounds[i + 1]]``. A paragraph of Latin letters only, long enough
    to judge, whose function words speak for the document language and against none
    (``_dominates`` without its letters) is decided here, for all such paragraphs at once;
    every other paragraph goes through the same code as in :func:`paragraph_languages`.
    """
    import numpy as np

    doc = normalize_language(doc_language)
    doc_script = _LANGUAGE_SCRIPT.get(doc, _LATIN) if doc else None
    fallback = doc or UNDETERMINED
    ids = np.asarray(ids, dtype=np.int64)
    bounds = np.asarray(bounds, dtype=np.int64)
    number, letters_of, owners_of, non_latin_of, sigma_of = types.arrays()
    if sigma_of[ids].any():
        # The lower case of a capital sigma depends on its neighbours: tokenise the text.
        return paragraph_languages(paragraphs, doc_language)
    n = len(paragraphs)
    number = number[ids]

    def per_paragraph(values) -> np.ndarray:
        sums = np.concatenate(([0], np.cumsum(values, dtype=np.int64)))
        return sums[bounds[1:]] - sums[bounds[:-1]]

    n_words = per_paragraph(~number)
    letters = per_paragraph(np.where(number, 0, letters_of[ids]))
    # Paragraphs of Latin letters only (U+02BC is a letter of no script outside tokens).
    latin = per_paragraph(non_latin_of[ids]) == 0
    if any("\u02bc" in p for p in paragraphs):
        latin &= np.fromiter(("\u02bc" not in p for p in paragraphs), dtype=bool, count=n)
    long = (n_words >= MIN_WORDS) & (letters >= MIN_LETTERS)
    # Decided here: the document language (``decided``), or left to the fallback because
    # _paragraph_language would return None (``unknown``): no words at all, or a Latin
    # paragraph too short to judge, or short and with no other language's function words
    # outweighing the document language's (_short_language finds no rival).
    unknown = n_words == 0
    too_short = latin & ~long & ((n_words < MIN_SHORT_WORDS) | (letters < MIN_SHORT_LETTERS))
    unknown |= too_short
    short = latin & ~long & ~too_short
    if doc not in _PROFILED:
        unknown |= short
    decided = latin & long if doc in _PROFILED else np.zeros(n, dtype=bool)
    if doc in _PROFILED and (decided.any() or short.any()):
        own_langs = _owner_matrix()
        width = len(_PROFILED_ORDER)
        d = _PROFILED_ORDER.index(doc)
        owners = owners_of[ids]
        hit = np.flatnonzero(owners)
        paragraph = np.repeat(np.arange(n), np.diff(bounds))[hit]
        sets = owners[hit]

        def per_language(chosen) -> np.ndarray:
            """Per paragraph and language: how many of the chosen function words (a mask
            over ``hit``) are that language's (sums of owner rows, paragraph by paragraph)."""
            rows = _owner_rows()[sets[chosen]]
            where = paragraph[chosen]
            out = np.zeros((n, width), dtype=np.int32)
            if where.size:
                first = np.flatnonzero(np.diff(where, prepend=-1))
                out[where[first]] = np.add.reduceat(rows, first, axis=0)
            return out

        others = np.ones(width, dtype=bool)
        for other in (doc, *_SISTERS.get(doc, ())):
            others[_PROFILED_ORDER.index(other)] = False
        if short.any():
            # _short_language's rivals, among words of two letters or more: a language
            # whose function words (of those not also the document language's) outnumber
            # the document language's (of those not also that language's), that is, whose
            # function words outnumber the document language's.
            count = per_language(short[paragraph] & (letters_of[ids[hit]] > 1))
            rivals = ((count > count[:, d:d + 1]) & others).any(axis=1)
            unknown |= short & ~rivals
        mine = own_langs[sets, d]
        own = np.bincount(paragraph[mine], minlength=n)
        decided &= (own > 0) & (own >= SHARE * n_words)
        if (~mine).any() and decided.any():
            # Per paragraph and language: function words of mine also that language's
            # (shared) and function words of that language and not mine (rival).
            judged = decided[paragraph]
            shared = per_language(judged & mine)
            rival = per_language(judged) - shared
            against = (rival > 0) & (own[:, None] - shared < RATIO * rival) & others
            decided &= ~against.any(axis=1)
    out = [fallback] * n
    rest = np.flatnonzero(~decided & ~unknown).tolist()
    if rest:
        word = types.lower.__getitem__
        latin_list = latin.tolist()
        bound_list = bounds.tolist()
        for i in rest:
            a, b = bound_list[i], bound_list[i + 1]
            words = list(map(word, ids[a:b][~number[a:b]].tolist()))
            out[i] = _paragraph_language(paragraphs[i], doc, doc_script, words,
                                         latin=latin_list[i]) or fallback
    for i in np.flatnonzero(decided).tolist():
        out[i] = doc
    return out


def _paragraph_language(text: str, doc: str | None, doc_script: int | None,
                        words: list[str] | None = None, *, latin: bool = False) -> str | None:
    """The language of one paragraph, None when it cannot be told; ``latin``: the caller
    knows that the paragraph has Latin letters only."""
    lowered = text.lower()
    if words is None:
        words = [t for t in TOKEN_RE.findall(lowered) if not t.isdigit()]
    if not words:
        return None
    letters = sum(map(len, words))
    script, counts = (_LATIN, []) if latin else _dominant_script(text, letters)
    if script == _LATIN:
        if len(words) < MIN_WORDS or letters < MIN_LETTERS:
            if len(words) < MIN_SHORT_WORDS or letters < MIN_SHORT_LETTERS:
                return None
            return _short_language(text, lowered, words, doc)
        return _alphabetic_language(text, lowered, words, doc, doc_script)
    if script == _CJK:
        if letters < MIN_DENSE_LETTERS:
            return None
        return _cjk_language(text, counts, doc)
    if script == _HANGUL:
        return "ko" if letters >= MIN_DENSE_LETTERS else None
    if len(words) < MIN_WORDS or letters < MIN_LETTERS:
        return None
    if script == _CYRILLIC:
        return _cyrillic_language(text, lowered, words, doc, doc_script)
    if script == _ARABIC and _NOT_ONLY_ARABIC.search(text):
        return detect_language(text)
    if script in _SCRIPT_LANGUAGE:
        return _SCRIPT_LANGUAGE[script]
    return detect_language(text)


def _dominant_script(text: str, letters: int) -> tuple[int, list[int]]:
    """Return the script holding most letters of ``text`` and the letters of each script."""
    counts = [0] * 9
    if text.isascii() or _NON_LATIN_LETTER.search(text) is None:
        counts[_LATIN] = letters
        return _LATIN, counts
    for match in _SCRIPT_RUN.finditer(text):
        counts[match.lastindex] += match.end() - match.start()
    counts[_LATIN] = max(letters - sum(counts), 0)
    by_script = {script: n for script, n in enumerate(counts) if script not in (_KANA, _HAN)}
    by_script[_CJK] = counts[_KANA] + counts[_HAN]
    return max(by_script, key=by_script.__getitem__), counts


def _cjk_language(text: str, counts: list[int], doc: str | None) -> str | None:
    if doc == "ja":
        return "ja"
    kana = counts[_KANA] / (counts[_KANA] + counts[_HAN])
    if kana >= 0.1:
        return "ja"
    if kana == 0:
        return "zh"
    return detect_language(text)


def _profile(words: list[str]) -> dict[str, int]:
    """Return how many of ``words`` are function words of each language."""
    counts: dict[str, int] = {}
    lookup = _FUNCTION_WORDS.get
    for word in words:
        owners = lookup(word)
        if owners is not None:
            for lang in owners:
                counts[lang] = counts.get(lang, 0) + 1
    return counts


def _dominates(words: list[str], lang: str, lowered: str, min_markers: int | None = None) -> bool:
    """Tell whether the paragraph is clearly in ``lang`` as far as cheap evidence goes.

    No other language may have function words against ``lang``: counting only the words that
    tell the two apart (on one list but not the other), ``lang`` needs ``RATIO`` times as many,
    unless ``lang``'s letters rule the other language out. And ``lang``'s function words must
    make up ``SHARE`` of the words, or else the letters of ``lowered`` (the paragraph in lower
    case) must all be ``lang``'s, with ``min_markers`` of them pointing to it.
    """
    hits = [owners for owners in map(_FUNCTION_WORDS.get, words) if owners is not None]
    mine = [owners for owners in hits if lang in owners]
    own = len(mine)
    if len(mine) < len(hits):
        shared = Counter(chain.from_iterable(mine))
        rival_only = Counter(chain.from_iterable(owners for owners in hits if lang not in owners))
        sisters = _SISTERS.get(lang, frozenset())
        for other, count in rival_only.items():
            if (
                other not in sisters
                and own - shared[other] < RATIO * count
                and not _letters_rule_out(lowered, lang, other)
            ):
                return False
    if own and own >= SHARE * len(words):
        return True
    return _letters_point_to(lowered, lang, min_markers)


def _letters_point_to(lowered: str, lang: str, min_markers: int | None = None) -> bool:
    """Tell whether all non-ASCII letters of ``lowered`` are ``lang``'s and enough point to it."""
    if lang not in _LETTERS:
        return False
    alphabet, markers = _LETTERS[lang]
    chars = set(lowered)
    for char in chars:
        if not char.isascii() and char not in alphabet and char.isalpha():
            return False
    if min_markers is None:
        min_markers = _MIN_MARKERS.get(lang, MIN_MARKERS)
    return sum(lowered.count(char) for char in chars.intersection(markers)) >= min_markers


def _letters_allow(lowered: str, lang: str) -> bool:
    """Tell whether ``lang`` writes every non-ASCII letter of ``lowered`` (if its letters are known)."""
    if lang not in _LETTERS:
        return True
    alphabet = _LETTERS[lang][0]
    return all(char.isascii() or char in alphabet or not char.isalpha() for char in set(lowered))


def _letters_rule_out(lowered: str, lang: str, other: str) -> bool:
    """Tell whether ``lowered`` has enough letters pointing to ``lang`` that ``other`` lacks."""
    if lang not in _LETTERS or other not in _LETTERS:
        return False
    foreign = set(_LETTERS[lang][1]).difference(_LETTERS[other][0])
    return sum(lowered.count(char) for char in foreign) >= _MIN_MARKERS.get(lang, MIN_MARKERS)


def _outweighs(words: list[str], lang: str, other: str) -> bool:
    """Tell whether more of ``words`` are function words of ``lang`` only than of ``other`` only."""
    balance = 0
    lookup = _FUNCTION_WORDS.get
    for word in words:
        owners = lookup(word)
        if owners is not None and (lang in owners) != (other in owners):
            balance += 1 if lang in owners else -1
    return balance > 0


def _leader(words: list[str], lowered: str, among: frozenset[str] = _PROFILED) -> str | None:
    """Return the language of ``among`` that dominates the paragraph, if one does."""
    counts = _profile(words)
    ranked = sorted(
        (lang for lang in counts if lang in among), key=lambda lang: (-counts[lang], lang)
    )
    for lang in ranked[:3]:
        if lang not in _SISTERS and _dominates(words, lang, lowered):
            return lang
    return None


def _short_language(text: str, lowered: str, words: list[str], doc: str | None) -> str | None:
    """Return the language of a short Latin-script paragraph if it is clearly not ``doc``.

    Too short for a detector alone, it changes language only when the function words of
    another language outweigh the document language's (on the words telling the two apart)
    and py3langid names that language too.
    """
    if doc not in _PROFILED:
        return None
    sisters = _SISTERS.get(doc, frozenset())
    # One-letter words ("i", "a", "c" of "c'est") are too weak a sign on so few words.
    words = [word for word in words if len(word) > 1]
    rivals = [
        lang
        for lang in _profile(words)
        if lang != doc and lang not in sisters and _outweighs(words, lang, doc)
    ]
    if not rivals:
        return None
    (found, probability), *runners_up = _second_ranking(text[:DETECT_CHARS])
    if (
        found not in rivals
        or probability < SHORT_SURE
        or not _letters_allow(lowered, found)
        or _letters_rule_out(lowered, doc, found)
    ):
        return None
    for other, other_probability in runners_up:
        # Spanish or Catalan? Between two close rivals, the function words must decide.
        if (
            other in rivals
            and other_probability >= SHORT_SURE * probability
            and not _outweighs(words, found, other)
        ):
            return None
    return found


def _alphabetic_language(
    text: str, lowered: str, words: list[str], doc: str | None, doc_script: int | None
) -> str | None:
    if doc in _PROFILED and _dominates(words, doc, lowered):
        return doc
    leader = _leader(words, lowered)
    # langdetect has no Latin or Esperanto; without a document language, trust the profile.
    if leader == "eo" or (leader is not None and doc is None):
        return leader
    second, second_probability = _second_opinion(text)
    if leader == "la" and second == "la":
        return "la"
    if second == doc and doc in _PROFILED and doc_script == _LATIN:
        # langdetect cannot change this answer (see below): agreeing with py3langid it
        # gives the document language, disagreeing it leaves the document language standing.
        return doc
    found = detect_language(text)
    if doc not in _PROFILED or doc_script != _LATIN:
        if doc is not None and doc_script != _LATIN:
            # Inheriting, say, "ja" for a Latin-script paragraph would surely be wrong; but
            # half-Russian, half-French text may well be the document's Russian.
            if second == doc:
                return doc
            if found is None or (second != found and second not in _LANGUAGE_SCRIPT):
                return second
        return found
    if found == doc:
        return doc
    if second == "la" and not _outweighs(words, doc, "la"):
        # langdetect has no Latin: it reads Latin as Italian, French, Catalan...
        return "la"
    if found is None or found != second:
        # Short of two detectors agreeing, the document language stands: langdetect alone
        # reads Spanish as Portuguese, Swedish as Danish, Latin as Italian.
        return doc
    if second_probability >= SURE and _ranked(text[:DETECT_CHARS])[0][1] >= SURE:
        return found
    if frozenset((doc, found)) in _CLOSE and not (
        _outweighs(words, found, doc) or _letters_rule_out(lowered, found, doc)
    ):
        return doc
    if _outweighs(words, doc, found) or _letters_rule_out(lowered, doc, found):
        # Both err on short paragraphs (Portuguese as Spanish, Spanish as Catalan): unless
        # both are sure, they do not overrule the document language against the evidence of
        # its function words and letters (which old spellings mislead: Spanish wrote "é" for
        # "y" and "ç" for "z", as Portuguese does).
        return doc
    return found


def _cyrillic_language(
    text: str, lowered: str, words: list[str], doc: str | None, doc_script: int | None
) -> str | None:
    # Other Cyrillic alphabets add letters to Russian's, and Bulgarian has its own frequent
    # words: a paragraph in Russian letters, with no other language's words, is Russian.
    if doc in _CYRILLIC_LANGUAGES and _dominates(words, doc, lowered, min_markers=0):
        return doc
    # "ы" and "э" are written in Russian only, "ї", "є" and "ґ" in Ukrainian only.
    for lang in ("ru", "uk"):
        if _letters_point_to(lowered, lang):
            return lang
    leader = _leader(words, lowered, _CYRILLIC_LANGUAGES)
    if leader is not None:
        if doc_script == _CYRILLIC and leader != doc and _second_opinion(text)[0] != leader:
            # One Bulgarian word ("само", "се") in a Russian paragraph does not make it Bulgarian.
            return doc
        return leader
    ranked = _ranked(text[:DETECT_CHARS], cyrillic_only=True)
    if not ranked:
        return None
    code, probability = ranked[0]
    if doc_script == _CYRILLIC and code != doc:
        if probability < MIN_PROBABILITY or (doc in _PROFILED and _outweighs(words, doc, code)):
            return doc
        if _second_opinion(text)[0] != code:
            # langdetect alone reads plain Russian as Bulgarian or Macedonian.
            return doc
        if code in _PROFILED and doc in _PROFILED and not _outweighs(words, code, doc):
            # Both detectors read Russian without "ы", "э" or "ё" as Bulgarian: it takes
            # Bulgarian (or Ukrainian) words as well.
            return doc
    return code
