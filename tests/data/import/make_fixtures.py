"""Write the importer fixtures: small pages imitating each archive's layout, with our own
text (never a copied page), and ``expected.json`` with the true text and metadata.

Run from the repository root: ``python tests/data/import/make_fixtures.py``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

HERE = Path(__file__).parent

TEXT = {
    "en": [
        "The factory council is not a committee that speaks for the workers; it is the workers themselves, meeting in the hall where they labour, deciding together how the work shall be done and who shall carry their decisions to the next assembly.",
        "Every delegate can be recalled at any moment by those who sent him. This simple rule, more than any programme, separates the councils from the parliaments and from the old trade unions, whose officials answer to nobody on the shop floor.",
        "When the strike spread from the docks to the railways, the committees of the different trades met in one room for the first time, and the question of who held power in the town was no longer theoretical but practical and urgent.",
        "The party may teach, warn and explain, but it cannot act in the place of the class. A revolution made on behalf of the workers ends as a new rule over the workers, however red the flags that are carried in its processions.",
    ],
    "de": [
        "Der Betriebsrat ist kein Ausschuss, der im Namen der Arbeiter spricht; er ist die Versammlung der Arbeiter selbst, die in der Werkstatt gemeinsam beschließen, wie gearbeitet wird und wer ihre Beschlüsse in die nächste Versammlung trägt.",
        "Jeder Delegierte kann jederzeit von denen abberufen werden, die ihn geschickt haben. Diese einfache Regel trennt die Räte vom Parlament und von den alten Gewerkschaften, deren Beamte niemandem in der Fabrik Rechenschaft schulden.",
        "Als der Streik von den Häfen auf die Eisenbahnen übergriff, trafen sich die Ausschüsse der verschiedenen Berufe zum ersten Mal in einem Saal, und die Frage der Macht in der Stadt wurde dringend und praktisch.",
    ],
    "fr": [
        "Le conseil d'usine n'est pas un comité qui parle au nom des ouvriers ; il est l'assemblée des ouvriers eux-mêmes, réunis dans l'atelier où ils travaillent, qui décident ensemble comment le travail sera fait.",
        "Chaque délégué peut être révoqué à tout moment par ceux qui l'ont envoyé. Cette règle simple sépare les conseils du parlement et des vieux syndicats, dont les fonctionnaires ne rendent de comptes à personne dans l'usine.",
        "Lorsque la grève passa des docks aux chemins de fer, les comités des différents métiers se réunirent pour la première fois dans une même salle, et la question du pouvoir dans la ville devint pratique et urgente.",
    ],
    "nl": [
        "De bedrijfsraad is geen commissie die namens de arbeiders spreekt; het is de vergadering van de arbeiders zelf, bijeen in de werkplaats, die samen beslissen hoe het werk gedaan wordt en wie hun besluiten naar de volgende vergadering brengt.",
        "Iedere afgevaardigde kan op elk moment worden teruggeroepen door wie hem gezonden hebben. Deze eenvoudige regel scheidt de raden van het parlement en van de oude vakbonden, waarvan de bestuurders aan niemand in de fabriek verantwoording afleggen.",
        "Toen de staking van de havens naar de spoorwegen oversloeg, kwamen de comités van de verschillende vakken voor het eerst in één zaal bijeen, en de vraag wie de macht in de stad had werd praktisch en dringend.",
    ],
    "it": [
        "Il consiglio di fabbrica non è un comitato che parla a nome degli operai; è l'assemblea degli operai stessi, riuniti nel reparto dove lavorano, che decidono insieme come si farà il lavoro e chi porterà le loro decisioni alla prossima assemblea.",
        "Ogni delegato può essere revocato in qualsiasi momento da chi lo ha mandato. Questa semplice regola separa i consigli dal parlamento e dai vecchi sindacati, i cui funzionari non rendono conto a nessuno nella fabbrica.",
        "Quando lo sciopero passò dai porti alle ferrovie, i comitati dei diversi mestieri si riunirono per la prima volta in una sola sala, e la questione del potere nella città divenne pratica e urgente.",
    ],
    "es": [
        "El consejo de fábrica no es un comité que habla en nombre de los obreros; es la asamblea de los obreros mismos, reunidos en el taller donde trabajan, que deciden juntos cómo se hará el trabajo y quién llevará sus decisiones a la próxima asamblea.",
        "Cada delegado puede ser revocado en cualquier momento por quienes lo enviaron. Esta regla sencilla separa los consejos del parlamento y de los viejos sindicatos, cuyos funcionarios no rinden cuentas a nadie en la fábrica.",
        "Cuando la huelga pasó de los muelles a los ferrocarriles, los comités de los distintos oficios se reunieron por primera vez en una misma sala, y la cuestión del poder en la ciudad se volvió práctica y urgente.",
    ],
    "ru": [
        "Фабричный совет — это не комитет, который говорит от имени рабочих; это собрание самих рабочих в цехе, где они трудятся, и они вместе решают, как будет делаться работа и кто понесёт их решения на следующее собрание.",
        "Каждый делегат может быть отозван в любой момент теми, кто его послал. Это простое правило отделяет советы от парламента и от старых профсоюзов, чьи чиновники ни перед кем на заводе не отчитываются.",
        "Когда стачка перекинулась из порта на железные дороги, комитеты разных профессий впервые собрались в одном зале, и вопрос о власти в городе стал практическим и неотложным.",
    ],
}

e = html.escape


def paras(lang: str, rotate: int = 0) -> list[str]:
    pool = TEXT[lang]
    return pool[rotate % len(pool):] + pool[:rotate % len(pool)]


def ps(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{e(p)}</p>" for p in paragraphs)


# --------------------------------------------------------------------------- marxists.org

def marxists(f: dict) -> str:
    info = "".join(f'<span class="info">{label}</span> {e(value)}<br />\n'
                   for label, value in f["info"])
    author_line = (f'<p class="title">{e(f["author"])}, {f.get("header_year", "")}</p>'
                   if f.get("author_in_header", True) else "")
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{e(f["author"])}: {e(f["title"])} ({f["section_title"]})</title>
<link rel="stylesheet" type="text/css" href="../../../css/works.css">
<link rel="canonical" href="{f["url"]}">
</head>
<body>
<p class="toc"><a href="../index.htm">{f["archive_link"]}</a> | <a href="../../index.htm">MIA</a></p>
{author_line}
<h1>{e(f["title"])}</h1>
<hr class="infotop" />
<p class="information">
{info}</p>
<hr class="infobot" />
{ps(f["paragraphs"])}
<hr class="end" />
<p class="footer"><a href="../index.htm">{f["footer"]}</a> |
<a href="../../index.htm">Marxists Internet Archive</a></p>
<p class="updat">Last updated on: 3.3.2014</p>
</body>
</html>
"""


MARXISTS = [
    dict(name="pannekoek-councils-en", url="https://www.marxists.org/archive/pannekoek/1936/councils.htm",
         title="The Councils and the Party", author="Anton Pannekoek", header_year="1936", year="1936",
         language="en", translator="", section_title="Anton Pannekoek Archive",
         archive_link="Anton Pannekoek Archive", footer="Anton Pannekoek Archive",
         info=[("Written:", "1936;"), ("First Published:", "International Council Correspondence, Vol. 2, No. 5, 1936;"),
               ("Source:", "a reprint of 1970;"), ("Transcription:", "a volunteer, 2003;"),
               ("Copyleft:", "Marxists Internet Archive (marxists.org) 2003. Permission is granted to copy and/or distribute this document under the terms of the Creative Commons Attribution-ShareAlike License.")],
         paragraphs=paras("en", 0)),
    dict(name="ruehle-revolution-de", url="https://www.marxists.org/deutsch/archiv/ruehle/1920/revolution.htm",
         title="Die Revolution ist keine Parteisache", author="Otto Rühle", header_year="1920", year="1920",
         language="de", translator="", section_title="Otto Rühle Archiv",
         archive_link="Otto Rühle", footer="Otto Rühle Archiv",
         info=[("Geschrieben:", "Mai 1920."), ("Erstveröffentlichung:", "Die Aktion, Berlin, 1920."),
               ("Quelle:", "Nachdruck, Frankfurt 1970."), ("Transkription/HTML-Markierung:", "Einde O’Callaghan für das Marxists’ Internet Archive."),
               ("Public Domain:", "Marxists Internet Archive (2005). Sie können diese Arbeit frei kopieren.")],
         paragraphs=paras("de", 1)),
    dict(name="pannekoek-conseils-fr", url="https://www.marxists.org/francais/pannekoek/works/1947/conseils.htm",
         title="Les conseils ouvriers", author="Anton Pannekoek", header_year="1947", year="1947",
         language="fr", translator="Henri Simon", section_title="Archive Pannekoek",
         archive_link="Archive A. Pannekoek", footer="Archive A. Pannekoek",
         info=[("Première publication :", "1947, en néerlandais."), ("Traduction :", "Henri Simon, pour les Cahiers, 1950."),
               ("Source :", "Cahiers du communisme de conseils, n° 8."), ("Transcription :", "la section française du MIA.")],
         paragraphs=paras("fr", 0)),
    dict(name="gorter-brief-nl", url="https://www.marxists.org/nederlands/gorter/1920/openbrief.htm",
         title="Open brief aan kameraad Lenin", author="Herman Gorter", year="1920",
         language="nl", translator="", section_title="Herman Gorter Archief",
         archive_link="Herman Gorter Archief", footer="Herman Gorter Archief", author_in_header=False,
         info=[("Geschreven:", "juli-augustus 1920"), ("Bron:", "brochure, Amsterdam 1920"),
               ("Transcriptie:", "Adrien Tijssen, 2008"), ("Publiek domein:", "marxists.org 2008")],
         paragraphs=paras("nl", 2)),
    dict(name="bordiga-partito-it", url="https://www.marxists.org/italiano/bordiga/1921/partito.htm",
         title="Partito e classe", author="Amadeo Bordiga", header_year="1921", year="1921",
         language="it", translator="", section_title="Archivio Bordiga",
         archive_link="Archivio Bordiga", footer="Amadeo Bordiga Archivio",
         info=[("Scritto:", "aprile 1921"), ("Fonte:", "Rassegna Comunista, 1921"),
               ("Trascrizione:", "sezione italiana del MIA")],
         paragraphs=paras("it", 1)),
    dict(name="gorter-carta-es", url="https://www.marxists.org/espanol/gorter/1920/carta.htm",
         title="Carta abierta al camarada Lenin", author="Herman Gorter", header_year="1920", year="1920",
         language="es", translator="Juan Pérez", section_title="Archivo Gorter",
         archive_link="Archivo Gorter", footer="Archivo Herman Gorter",
         info=[("Escrito:", "1920"), ("Primera publicación:", "Amsterdam, 1920."),
               ("Traducción:", "Juan Pérez, para el MIA, 2010."), ("Fuente:", "edición de 1978."),
               ("Dominio público:", "MIA, 2010.")],
         paragraphs=paras("es", 2)),
]


# --------------------------------------------------------------------------- wikisource

def wikisource(f: dict) -> str:
    lang = f["edition"]
    if f["header"] == "ws-data":
        header = f"""<div id="ws-data" class="ws-noexport" style="display:none; speak:none;">
<span id="ws-title">{e(f["title"])}</span>
<span id="ws-author">{e(f["author"])}</span>
<span id="ws-year">{f["year"]}</span>
{f'<span id="ws-translator">{e(f["translator"])}</span>' if f["translator"] else ""}
</div>
<div class="wst-header ws-header ws-noexport noprint dynlayout-exempt" id="headertemplate">
<div class="wst-header-mainblock"><div class="wst-header-left"><a href="/wiki/Prev">← Previous part</a></div>
<div class="wst-header-title"><span id="header-title-text">{e(f["title"])}</span> ({f["year"]})<br>
<span id="header-author-text">by <a href="/wiki/Author:X">{e(f["author"])}</a></span>
{f'<br>translated by {e(f["translator"])}' if f["translator"] else ""}</div>
<div class="wst-header-right"><a href="/wiki/Next">Next part →</a></div></div>
<div class="wst-header-notes header_notes">A short note on this edition, written by the editors of the wiki.</div>
</div>"""
    elif f["header"] == "textdaten":
        header = f"""<table class="textdaten" style="width:100%">
<tr><td>Titel:</td><td><b>{e(f["title"])}</b></td></tr>
<tr><td>Autor:</td><td><a href="/wiki/X">{e(f["author"])}</a></td></tr>
<tr><td>Erscheinungsjahr:</td><td>{f["year"]}</td></tr>
{f'<tr><td>Übersetzer:</td><td>{e(f["translator"])}</td></tr>' if f["translator"] else ""}
<tr><td>Quelle:</td><td>Scans auf Commons</td></tr>
<tr><td>Bearbeitungsstand:</td><td>fertig</td></tr>
</table>"""
    else:
        header = f"""<div class="ws-header" id="headertemplate">
<div class="header-title"><span id="header-title-text">{e(f["title"])}</span></div>
<div><span id="header-author-text">{e(f["author"])}</span> <span id="header-year-text">{f["year"]}</span></div>
</div>"""
    return f"""<!DOCTYPE html>
<html class="client-nojs" lang="{lang}" dir="ltr">
<head>
<meta charset="UTF-8">
<title>{e(f["title"])} - Wikisource</title>
<link rel="canonical" href="{f["url"]}">
</head>
<body class="mediawiki ltr sitedir-ltr">
<a class="mw-jump-link" href="#mw-head">Jump to navigation</a>
<a class="mw-jump-link" href="#searchInput">Jump to search</a>
<div id="content" class="mw-body" role="main">
<h1 id="firstHeading" class="firstHeading mw-first-heading"><span class="mw-page-title-main">{e(f["title"])}</span></h1>
<div id="bodyContent" class="vector-body">
<div id="siteSub" class="noprint">From Wikisource</div>
<div id="contentSub"></div>
<div id="mw-content-text" class="mw-body-content mw-content-ltr" lang="{lang}" dir="ltr">
<div class="mw-parser-output">
{header}
{ps(f["paragraphs"])}
<div class="licenseContainer licenseBanner"><div class="wst-license">This work is in the public domain in the United States because it was published before January 1, 1930.</div></div>
</div></div>
<div class="printfooter">Retrieved from "{f["url"]}"</div>
<div id="catlinks" class="catlinks"><div>Categories: <a>Works</a> | <a>PD-old</a></div></div>
</div></div>
<div id="mw-navigation"><h2>Navigation menu</h2><div id="mw-head">Log in Create account Read Edit View history</div>
<div id="mw-panel"><a>Main Page</a> <a>Community portal</a> <a>Random work</a></div></div>
<div id="footer" role="contentinfo"><p>This page was last edited on 4 May 2021. Text is available under the Creative Commons Attribution-ShareAlike License.</p></div>
</body>
</html>
"""


WIKISOURCE = [
    dict(name="luxemburg-massstrike-en", url="https://en.wikisource.org/wiki/The_Mass_Strike_Debate",
         edition="en", header="ws-data", title="The Mass Strike Debate", author="Rosa Luxemburg",
         year="1906", language="en", translator="Patrick Lavin", paragraphs=paras("en", 1)),
    dict(name="korsch-arbeiterrat-de", url="https://de.wikisource.org/wiki/Der_Arbeiterrat",
         edition="de", header="textdaten", title="Der Arbeiterrat", author="Karl Korsch",
         year="1919", language="de", translator="", paragraphs=paras("de", 0)),
    dict(name="monatte-syndicats-fr", url="https://fr.wikisource.org/wiki/Les_Syndicats_et_la_r%C3%A9volution",
         edition="fr", header="plain", title="Les Syndicats et la révolution", author="Pierre Monatte",
         year="1907", language="fr", translator="", paragraphs=paras("fr", 2)),
    dict(name="gramsci-consiglio-it", url="https://it.wikisource.org/wiki/Il_consiglio_di_fabbrica",
         edition="it", header="ws-data", title="Il consiglio di fabbrica", author="Antonio Gramsci",
         year="1920", language="it", translator="", paragraphs=paras("it", 0)),
    dict(name="bogdanov-sovety-ru", url="https://ru.wikisource.org/wiki/О_советах",
         edition="ru", header="plain", title="О советах", author="Александр Богданов",
         year="1918", language="ru", translator="", paragraphs=paras("ru", 1)),
    dict(name="gorter-antwort-de", url="https://de.wikisource.org/wiki/Antwort_an_Lenin",
         edition="de", header="textdaten", title="Antwort an Lenin", author="Herman Gorter",
         year="1920", language="de", translator="Franz Pfemfert", paragraphs=paras("de", 2)),
]


# --------------------------------------------------------------------------- archive.org

def archive_org(f: dict) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Full text of "{e(f["title"])}"</title>
</head>
<body class="navia">
<div id="topnav"><a href="/">Internet Archive</a> <a href="/search">Search</a> <a href="/details/texts">Books</a>
<a href="/details/movies">Video</a> <a href="/details/audio">Audio</a> <a href="/donate">Donate</a> Sign up | Log in</div>
<div class="container container-ia">
<h1>Full text of "{e(f["title"])}"</h1>
<h2 class="pull-right"><small><a href="/details/{f["name"]}">See other formats</a></small></h2>
<br class="clearfix clearfix">
<pre>{e(f["ocr"])}</pre>
</div>
<div id="footer">Terms of Service (last updated 12/31/2014)</div>
</body>
</html>
"""


def wrap(paragraph: str, width: int = 62) -> str:
    lines, line = [], ""
    for word in paragraph.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join(lines)


def ocr(front: list[str], paragraphs: list[str], noise: bool = False) -> str:
    blocks = list(front)
    for i, p in enumerate(paragraphs):
        blocks.append(wrap(p))
        if noise:
            blocks.append(str(i + 5))
    if noise:
        blocks.insert(len(front), "Digitized by Google")
    return "\n\n".join(blocks) + "\n"


ARCHIVE_ORG = [
    dict(name="workerscouncils00pann", title="Workers Councils", author="Anton Pannekoek",
         year="1950", language="en", translator="",
         front=["WORKERS COUNCILS", "BY ANTON PANNEKOEK", "MELBOURNE", "1950"], lang="en", rotate=0),
    dict(name="dieraete00rueh", title="Die Räte", author="Otto Rühle", year="1924",
         language="de", translator="", front=["DIE RÄTE", "von Otto Rühle", "Berlin 1924"],
         lang="de", rotate=1),
    dict(name="lesconseils00pann", title="Les conseils", author="Anton Pannekoek", year="1952",
         language="fr", translator="Marcel Dupont",
         front=["LES CONSEILS", "par Anton Pannekoek", "Traduit de l'allemand par Marcel Dupont", "Paris, 1952"],
         lang="fr", rotate=0),
    dict(name="classstruggle00gort", title="The Class Struggle", author="Herman Gorter",
         year="1921", language="en", translator="Sylvia Pankhurst",
         front=["THE CLASS STRUGGLE", "BY HERMAN GORTER", "TRANSLATED BY SYLVIA PANKHURST", "LONDON 1921"],
         lang="en", rotate=2, noise=True),
    dict(name="dearbeidersraden00rola", title="De arbeidersraden", author="Henriette Roland Holst",
         year="1919", language="nl", translator="",
         front=["DE ARBEIDERSRADEN", "door Henriette Roland Holst", "Amsterdam 1919"], lang="nl", rotate=1,
         noise=True),
]


# --------------------------------------------------------------------------- Gutenberg

LICENSE_TAIL = """*** END OF THE PROJECT GUTENBERG EBOOK {upper} ***

Updated editions will replace the previous one—the old editions will
be renamed.

Creating the works from print editions not protected by U.S. copyright
law means that no one owns a United States copyright in these works,
so the Foundation (and you!) can copy and distribute it in the
United States without permission and without paying copyright
royalties. Special rules, set forth in the General Terms of Use part
of this license, apply to copying and distributing Project
Gutenberg™ electronic works to protect the PROJECT GUTENBERG™
concept and trademark.

START: FULL LICENSE

THE FULL PROJECT GUTENBERG LICENSE
PLEASE READ THIS BEFORE YOU DISTRIBUTE OR USE THIS WORK
"""


def gutenberg_txt(f: dict) -> str:
    header = [f"The Project Gutenberg eBook of {f['title']}", "",
              "This ebook is for the use of anyone anywhere in the United States and",
              "most other parts of the world at no cost and with almost no restrictions",
              "whatsoever. You may copy it, give it away or re-use it under the terms",
              "of the Project Gutenberg License included with this ebook or online",
              "at www.gutenberg.org.", "",
              f"Title: {f['title']}", "", f"Author: {f['author']}", ""]
    if f["translator"]:
        header += [f"Translator: {f['translator']}", ""]
    header += ["Release date: March 4, 2011 [eBook #35481]", "", f"Language: {f['lang_name']}", ""]
    if f.get("published"):
        header += [f"Original publication: {f['published']}", ""]
    header += ["Credits: Volunteers of Distributed Proofreaders", "", ""]
    marker = ("*** START OF THIS PROJECT GUTENBERG EBOOK" if f.get("old") else
              "*** START OF THE PROJECT GUTENBERG EBOOK") + f" {f['title'].upper()} ***"
    body = ["", "", "Produced by a team of volunteers", "", ""]
    for p in f["body"]:
        body += [wrap(p, 70), ""]
    tail = LICENSE_TAIL.format(upper=f["title"].upper())
    if f.get("old"):
        tail = tail.replace("END OF THE PROJECT", "END OF THIS PROJECT")
    return "\n".join(header) + marker + "\n" + "\n".join(body) + "\n\n" + tail


def gutenberg_html(f: dict) -> str:
    rows = [("Title", f["title"]), ("Author", f["author"])]
    if f["translator"]:
        rows.append(("Translator", f["translator"]))
    rows += [("Release date", "May 1, 2015 [eBook #48901]"), ("Language", f["lang_name"])]
    if f.get("published"):
        rows.append(("Original publication", f["published"]))
    header = "\n".join(f"<div><strong>{k}</strong>: {e(v)}</div>" for k, v in rows)
    body = "\n".join(f"<p>{e(p)}</p>" for p in f["body"][2:])
    return f"""<!DOCTYPE html>
<html lang="{f["language"]}">
<head><meta charset="utf-8"><title>The Project Gutenberg eBook of {e(f["title"])}, by {e(f["author"])}</title></head>
<body>
<section class="pg-boilerplate pgheader" id="pg-header" lang="en">
<h2 id="pg-header-heading" title="">The Project Gutenberg eBook of <span lang="{f["language"]}">{e(f["title"])}</span></h2>
<div>This ebook is for the use of anyone anywhere in the United States and most other parts of the world at no cost and with almost no restrictions whatsoever.</div>
<div class="container" id="pg-machine-header">
{header}
</div>
<div id="pg-start-separator"><span>*** START OF THE PROJECT GUTENBERG EBOOK {e(f["title"].upper())} ***</span></div>
</section>
<h1>{e(f["body"][0])}</h1>
<h2>{e(f["body"][1])}</h2>
{body}
<section class="pg-boilerplate pgheader" id="pg-footer" lang="en">
<div id="pg-end-separator"><span>*** END OF THE PROJECT GUTENBERG EBOOK {e(f["title"].upper())} ***</span></div>
<p>Updated editions will replace the previous one—the old editions will be renamed.</p>
<p>Creating the works from print editions not protected by U.S. copyright law means that no one owns a United States copyright in these works.</p>
<h2>THE FULL PROJECT GUTENBERG LICENSE</h2>
</section>
</body>
</html>
"""


GUTENBERG = [
    dict(name="pg-councils-en.txt", kind="txt", title="The Councils", author="John Smith",
         translator="", year="1899", published="London: The Socialist Press, 1899.",
         language="en", lang_name="English", body=["THE COUNCILS", "By John Smith", *paras("en", 0)]),
    dict(name="pg-conseils-fr.txt", kind="txt", title="Les conseils", author="Jean Dupuis",
         translator="Marie Leclerc", year="1905", published="Paris, 1905",
         language="fr", lang_name="French", body=["LES CONSEILS", "par Jean Dupuis", *paras("fr", 1)]),
    dict(name="pg-assembly-en.html", kind="html", title="The Assembly", author="Mary Brown",
         translator="", year="1912", published="New York, 1912", language="en", lang_name="English",
         body=["The Assembly", "by Mary Brown", *paras("en", 2)]),
    dict(name="pg-raete-de.html", kind="html", title="Die Räte", author="Karl Weber",
         translator="", year="1919", published="Leipzig 1919", language="de", lang_name="German",
         body=["Die Räte", "von Karl Weber", *paras("de", 0)]),
    dict(name="pg-strike-en.txt", kind="txt", title="The Strike", author="William Green",
         translator="Anna Black", year="", language="en", lang_name="English", old=True,
         body=["THE STRIKE", "BY WILLIAM GREEN", *paras("en", 3)]),
]


# --------------------------------------------------------------------------- libcom.org

def libcom(f: dict) -> str:
    author_field = (f'<div class="field field-name-field-author">Author: <a href="/tags/x">{e(f["author"])}</a></div>'
                    if f.get("author_field") else "")
    comments = "".join(f'<div class="comment"><h3>{who}</h3><p>{e(text)}</p><div class="submitted">Submitted by {who} on May 5, 2011</div></div>'
                       for who, text in [("Serge Forward", "Great find, thanks for posting this text."),
                                         ("Joseph Kay", "There is a better translation in the book linked in the sidebar.")])
    return f"""<!DOCTYPE html>
<html lang="{f["language"]}" dir="ltr">
<head><meta charset="utf-8"><title>{e(f["h1"])} | libcom.org</title></head>
<body>
<div id="header"><div id="site-name"><a href="/">libcom.org</a></div>
<ul class="menu"><li><a href="/library">Library</a></li><li><a href="/history">History</a></li><li><a href="/forums">Forums</a></li><li><a href="/donate">Donate</a></li></ul></div>
<div id="main">
<h1 class="title">{e(f["h1"])}</h1>
{author_field}
<div class="field field-name-field-introduction">{e(f["intro"])}</div>
<div class="submitted">Submitted by {f["uploader"]} on {f["uploaded"]}</div>
<div class="field field-name-body">
{ps(f["paragraphs"])}
</div>
<div class="field field-name-taxonomy-vocabulary-1">Tags: council communism, germany 1918-1923</div>
<div class="links">Log in or register to post comments</div>
<div id="comments"><h2>Comments</h2>{comments}</div>
</div>
<div id="footer"><p>libcom.org is an online resource and community for libertarian communists.</p><p>Contact us | Donate | About</p></div>
</body>
</html>
"""


LIBCOM = [
    dict(name="revolution-not-party-affair", url="https://libcom.org/library/revolution-not-party-affair-ruhle",
         h1="The revolution is not a party affair - Otto Rühle", title="The revolution is not a party affair",
         author="Otto Rühle", year="1920", language="en", translator="",
         intro="A classic text of council communism, written in 1920, arguing against parties.",
         uploader="Steven.", uploaded="March 3, 2006", paragraphs=paras("en", 0)),
    dict(name="councils-1934", url="https://libcom.org/library/councils-mattick",
         h1="The councils (1934)", title="The councils (1934)", author="Paul Mattick", author_field=True,
         year="1934", language="en", translator="Ian Brown",
         intro="Article from International Council Correspondence, translated by Ian Brown.",
         uploader="Noah Fence", uploaded="July 12, 2010", paragraphs=paras("en", 1)),
    dict(name="assemblies-today", url="https://libcom.org/blog/assemblies-today",
         h1="Assemblies today - Joseph Kay", title="Assemblies today", author="Joseph Kay",
         year="", language="en", translator="",
         intro="A short blog post on workplace assemblies.",
         uploader="Joseph Kay", uploaded="May 1, 2008", paragraphs=paras("en", 2)),
    dict(name="consejos-obreros", url="https://libcom.org/library/consejos-obreros",
         h1="Los consejos obreros - Anton Pannekoek", title="Los consejos obreros",
         author="Anton Pannekoek", year="1946", language="es", translator="",
         intro="Capítulo del libro publicado en 1946.",
         uploader="Ed", uploaded="September 9, 2012", paragraphs=paras("es", 0)),
    dict(name="workers-control-1921", url="https://libcom.org/library/workers-control",
         h1="Workers' control and the state - Sylvia Pankhurst", title="Workers' control and the state",
         author="Sylvia Pankhurst", year="1921", language="en", translator="",
         intro="From the Workers' Dreadnought, published in 1921.",
         uploader="Steven.", uploaded="November 20, 2007", paragraphs=paras("en", 3)),
]


# --------------------------------------------------------------------------- generic sites

def generic_aaap(f: dict) -> str:
    return f"""<html lang="{f["language"]}"><head><meta charset="utf-8"><title>{e(f["title"])}</title>
<meta name="author" content="{e(f["author"])}"></head>
<body><table width="100%"><tr><td class="nav"><a href="/">Home</a> | <a href="/contact.html">Contact</a> | <a href="/links.html">Links</a></td></tr></table>
<p class="kop">Antonie Pannekoek Archives</p>
<h1>{e(f["title"])}</h1>
<p><i>Bron: {e(f["source"])}</i></p>
{ps(f["paragraphs"])}
<hr><p class="voet"><a href="#top">Naar boven</a> | <a href="/index.html">Index</a> | © aaap.be 2015</p></body></html>
"""


def generic_drupal(f: dict) -> str:
    return f"""<!DOCTYPE html><html lang="{f["language"]}"><head><meta charset="utf-8"><title>{e(f["title"])} | Partito Comunista Internazionalista</title></head>
<body><header><nav><ul><li><a href="/it">Home</a></li><li><a href="/it/prometeo">Prometeo</a></li><li><a href="/it/battaglia">Battaglia Comunista</a></li><li><a href="/it/contatti">Contatti</a></li></ul></nav></header>
<main><article><h1 class="page-header">{e(f["title"])}</h1>
<div class="field--name-body">{ps(f["paragraphs"])}</div>
<div class="field--name-field-tags"><a>Consigli</a> <a>Storia</a></div></article>
<aside><h2>Articoli recenti</h2><ul><li><a>La crisi e la guerra</a></li><li><a>Lettera ai compagni</a></li></ul></aside></main>
<footer><p>Tendenza Comunista Internazionalista. Tutti i diritti riservati.</p></footer></body></html>
"""


def generic_blog(f: dict) -> str:
    return f"""<!DOCTYPE html><html lang="{f["language"]}"><head><meta charset="utf-8">
<title>{e(f["title"])} – Council Notes</title><meta name="author" content="{e(f["author"])}">
<meta property="og:title" content="{e(f["title"])}"></head>
<body><div class="site-header"><a class="site-title" href="/">Council Notes</a><p class="site-description">Notes on workers’ self-organisation</p></div>
<div class="menu"><a href="/about">About</a> <a href="/archive">Archive</a> <a href="/subscribe">Subscribe</a></div>
<div class="entry"><h1 class="entry-title">{e(f["title"])}</h1><div class="entry-meta">Posted on June 3, 2019 by admin</div>
<div class="entry-content">{ps(f["paragraphs"])}</div>
<div class="sharedaddy">Share this: Twitter Facebook Email</div></div>
<div id="comments"><h3>2 thoughts on “{e(f["title"])}”</h3><ol><li>Nice post. Reply</li><li>Thanks! Reply</li></ol></div>
<div id="secondary"><h2>Categories</h2><ul><li>History</li><li>Theory</li></ul><h2>Archives</h2><ul><li>June 2019</li><li>May 2019</li></ul></div>
<footer><p>Proudly powered by WordPress</p></footer></body></html>
"""


GENERIC = [
    dict(name="aaap-raden-nl", template=generic_aaap, url="http://aaap.be/Pages/raden-nl.html",
         title="Over de arbeidersraden", author="Anton Pannekoek", year="", language="nl",
         translator="", source="De Nieuwe Tijd, 1920", paragraphs=paras("nl", 0)),
    dict(name="leftcom-consigli-it", template=generic_drupal, url="https://www.leftcom.org/it/articles/consigli",
         title="I consigli e il partito", author="", year="", language="it", translator="",
         paragraphs=paras("it", 2)),
    dict(name="leftdis-raden-nl", template=generic_aaap, url="https://www.left-dis.nl/nl/raden.htm",
         title="De raden en de vakbonden", author="Cajo Brendel", year="", language="nl",
         translator="", source="Daad en Gedachte", paragraphs=paras("nl", 1)),
    dict(name="blog-assemblies-en", template=generic_blog, url="https://councilnotes.example.org/2019/06/assemblies/",
         title="Notes on the assemblies", author="Maria Rossi", year="", language="en",
         translator="", paragraphs=paras("en", 1)),
    dict(name="kurz-raete-de", template=generic_drupal, url="https://gruppe.example.org/de/raete",
         title="Kurz gesagt: die Räte", author="", year="", language="de", translator="",
         paragraphs=[sentence.strip().rstrip(".") + "." for p in paras("de", 1) for sentence in p.split(";")[0].split(". ")
                     if sentence.strip()]),
    dict(name="groupe-conseils-fr", template=generic_blog, url="https://groupe.example.org/textes/conseils/",
         title="Sur les conseils", author="Groupe communiste", year="", language="fr",
         translator="", paragraphs=paras("fr", 2)),
]


def main() -> None:
    expected: dict[str, dict] = {}

    def record(profile: str, filename: str, url: str, f: dict, text: list[str]) -> None:
        expected.setdefault(profile, {})[filename] = {
            "url": url, "title": f["title"], "author": f["author"], "year": f["year"],
            "language": f["language"], "translator": f["translator"], "text": text,
        }

    folder = HERE / "marxists"
    folder.mkdir(exist_ok=True)
    for f in MARXISTS:
        name = f["name"] + ".htm"
        (folder / name).write_text(marxists(f), "utf-8")
        record("marxists", name, f["url"], f, [f["title"], *f["paragraphs"]])
    folder = HERE / "wikisource"
    folder.mkdir(exist_ok=True)
    for f in WIKISOURCE:
        name = f["name"] + ".html"
        (folder / name).write_text(wikisource(f), "utf-8")
        record("wikisource", name, f["url"], f, [f["title"], *f["paragraphs"]])
    folder = HERE / "archive_org"
    folder.mkdir(exist_ok=True)
    for f in ARCHIVE_ORG:
        body = paras(f["lang"], f["rotate"])
        f["ocr"] = ocr(f["front"], body, noise=f.get("noise", False))
        name = f["name"] + ".html"
        url = f"https://archive.org/stream/{f['name']}/{f['name']}_djvu.txt"
        page = archive_org(f).replace("<head>", f'<head>\n<link rel="canonical" href="{url}">', 1)
        (folder / name).write_text(page, "utf-8")
        record("archive_org", name, url, f, [f["title"], *f["front"][1:], *body]
               if f["front"][0].casefold() == f["title"].casefold() else [f["title"], *f["front"], *body])
    folder = HERE / "gutenberg"
    folder.mkdir(exist_ok=True)
    for f in GUTENBERG:
        content = gutenberg_txt(f) if f["kind"] == "txt" else gutenberg_html(f)
        (folder / f["name"]).write_text(content, "utf-8")
        record("gutenberg", f["name"], "", f, list(f["body"]))
    folder = HERE / "libcom"
    folder.mkdir(exist_ok=True)
    for f in LIBCOM:
        name = f["name"] + ".html"
        page = libcom(f).replace("<head>", f'<head><link rel="canonical" href="{f["url"]}">', 1)
        (folder / name).write_text(page, "utf-8")
        record("libcom", name, f["url"], f, [f["title"], *f["paragraphs"]])
    folder = HERE / "generic"
    folder.mkdir(exist_ok=True)
    for f in GENERIC:
        name = f["name"] + ".html"
        page = f["template"](f).replace("<head>", f'<head><link rel="canonical" href="{f["url"]}">', 1)
        (folder / name).write_text(page, "utf-8")
        record("generic", name, f["url"], f, [f["title"], *f["paragraphs"]])
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", "utf-8")


if __name__ == "__main__":
    main()
