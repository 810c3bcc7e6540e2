"""Write the probe corpus of concept forms: one text per language, metadata.csv, expectations.csv.

Each sentence below holds one expected form of one concept, marked ``[...]``. A ``{concept:...}``
mark inside a sentence is a hit of another concept that is expected too (the "Proletariats" in
"Diktatur des Proletariats"); a sentence of category ``negative`` holds, marked ``<...>``, text
that the concept must not match. Run ``python tests/data/probe/build_probe.py`` after editing;
the test (tests/test_concept_probe.py) reads only the files written here.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEAR = {"de": 1920, "nl": 1920, "fr": 1920, "it": 1920, "es": 1920, "ru": 1920, "pl": 1920}

WC, SOV, DOP, SC = "workers-councils", "soviets", "dictatorship-of-the-proletariat", "state-capitalism"
CS, CC, PROL, BOUR = "class-struggle", "class-consciousness", "proletariat", "bourgeoisie"
TU, PARL, GS, REV, CREV = "trade-unions", "parliamentarism", "general-strike", "revolution", "counter-revolution"

# (language, concept, category, sentence)
PROBES: list[tuple[str, str, str, str]] = [
    # --- German ------------------------------------------------------------------------------
    ("de", WC, "inflection", "Die Macht lag bei den [Arbeiterräten]."),
    ("de", WC, "compound", "Die [Rätemacht] dauerte nur wenige Wochen."),
    ("de", WC, "plural-phrase", "In Kiel bildeten sich [Arbeiter- und Soldatenräte]."),
    ("de", WC, "hyphenated", "Die [Arbeiter-Räte] traten im Zirkus Busch zusammen."),
    ("de", WC, "period", "Der [Arbeiterrath] tagte im alten Saal."),
    ("de", WC, "compound", "Das [Rätesystem] war ihr Ziel."),
    ("de", SOV, "inflection", "Die Delegierten des [Sowjets] stimmten ab."),
    ("de", SOV, "period", "Die Regierung der [Sowiets] erließ ein Dekret."),
    ("de", SOV, "period", "Aus [Sowietrußland] kamen schlechte Nachrichten."),
    ("de", SOV, "article", "Er sprach vor [dem Sowiet] der Stadt."),
    ("de", SOV, "compound", "Die bayerische [Räterepublik] fiel im Mai."),
    ("de", SOV, "compound", "Der [Rätestaat] ist kein Parlament."),
    ("de", DOP, "base", "Sie forderten die [Diktatur des {proletariat:Proletariats}]."),
    ("de", DOP, "inflection", "Der Weg zur [proletarischen Diktatur] ist lang."),
    ("de", DOP, "period", "Marx schrieb von der [Dictatur des {proletariat:Proletariats}]."),
    ("de", DOP, "compound", "Die [{proletariat:Proletariatsdiktatur}] wurde zur Parteidiktatur."),
    ("de", DOP, "compound", "Er verteidigte die [Klassendiktatur des {proletariat:Proletariats}]."),
    ("de", SC, "base", "Russland entwickelte sich zum [Staatskapitalismus]."),
    ("de", SC, "inflection", "Das ist eine [staatskapitalistische] Wirtschaft."),
    ("de", SC, "period", "Der [Staatscapitalismus] ist keine neue Erscheinung."),
    ("de", SC, "hyphenated", "Gegen den [Staats-Kapitalismus] half kein Dekret."),
    ("de", SC, "hyphenated", "Man nannte es [Staats-kapitalismus]."),
    ("de", CS, "base", "Der [Klassenkampf] geht weiter."),
    ("de", CS, "inflection", "Die [Klassenkämpfe] in Frankreich waren blutig."),
    ("de", CS, "article", "Der [Kampf der Klassen] entscheidet."),
    ("de", CS, "hyphenated", "Der [Klassen-Kampf] wird schärfer."),
    ("de", CC, "period", "Es fehlte an [Klassenbewußtsein]."),
    ("de", CC, "inflection", "Die [klassenbewussten] Arbeiter blieben fest."),
    ("de", CC, "base", "Ihm fehlte das [proletarische Bewusstsein]."),
    ("de", CC, "period", "Das wächst aus dem [proletarischen Bewußtsein]."),
    ("de", PROL, "base", "Das [Proletariat] hat kein Vaterland."),
    ("de", PROL, "inflection", "Die Lage des [Proletariats] verschlechterte sich."),
    ("de", PROL, "base", "[Proletarier] aller Länder, vereinigt euch!"),
    ("de", PROL, "compound", "Die [Proletariermassen] zogen durch die Stadt."),
    ("de", BOUR, "base", "Die [Bourgeoisie] fürchtet die Arbeiter."),
    ("de", BOUR, "compound", "Die Herrschaft der [Kapitalistenklasse] wankt."),
    ("de", BOUR, "compound", "Die [Bourgeoisieherrschaft] wankt."),
    ("de", TU, "inflection", "Die [Gewerkschaften] lehnten den Streik ab."),
    ("de", TU, "compound", "Der [Gewerkschaftsbund] tagte in Berlin."),
    ("de", TU, "inflection", "Die [gewerkschaftliche] Arbeit ist Sisyphusarbeit."),
    ("de", PARL, "base", "Der [Parlamentarismus] hat sich überlebt."),
    ("de", PARL, "inflection", "Sie lehnten die [parlamentarische Aktion] ab."),
    ("de", GS, "base", "Der [Generalstreik] legte das Land lahm."),
    ("de", GS, "hyphenated", "Sie riefen zum [General-Streik] auf."),
    ("de", REV, "base", "Die [Revolution] begann im November."),
    ("de", REV, "inflection", "Die [revolutionären] Obleute trafen sich."),
    ("de", CREV, "base", "Die [Konterrevolution] siegte."),
    ("de", CREV, "hyphenated", "Die [Konter-Revolution] sammelte ihre Kräfte."),
    ("de", CREV, "period", "Die [Kontrerevolution] rüstete."),
    ("de", SOV, "negative", "Dat is joa <sowiet> ganz good."),
    ("de", BOUR, "negative", "Der <Bourgeoisiesozialismus> ist eine Spielart."),
    # --- Dutch -------------------------------------------------------------------------------
    ("nl", WC, "inflection", "De [arbeidersraden] namen de macht."),
    ("nl", WC, "base", "Een [arbeidersraad] werd gekozen."),
    ("nl", WC, "compound", "De [radenmacht] duurde niet lang."),
    ("nl", WC, "plural-phrase", "Overal ontstonden [arbeiders- en soldatenraden]."),
    ("nl", WC, "article", "De [raad van arbeiders] kwam bijeen."),
    ("nl", WC, "hyphenated", "De [arbeiders-raden] vergaderden."),
    ("nl", SOV, "inflection", "De [sovjets] grepen de macht."),
    ("nl", SOV, "period", "Het congres der [sowjets] vergaderde."),
    ("nl", SOV, "compound", "De Hongaarse [radenrepubliek] viel."),
    ("nl", SOV, "compound", "Rusland werd een [radenstaat]."),
    ("nl", DOP, "base", "Wij willen de [dictatuur van het {proletariat:proletariaat}]."),
    ("nl", DOP, "period", "De [dictatuur des {proletariat:proletariaats}] is noodzakelijk."),
    ("nl", DOP, "base", "De [proletarische dictatuur] begint."),
    ("nl", DOP, "compound", "De [{proletariat:proletariaatsdictatuur}] werd partijdictatuur."),
    ("nl", DOP, "article", "Hij sprak over de [dictatuur van de arbeidersklasse]."),
    ("nl", DOP, "period", "Leve de [dictatuur van 't {proletariat:proletariaat}]!"),
    ("nl", SC, "base", "In Rusland heerst [staatskapitalisme]."),
    ("nl", SC, "inflection", "Het is een [staatskapitalistische] economie."),
    ("nl", SC, "period", "Het [staatscapitalisme] groeit."),
    ("nl", SC, "hyphenated", "Het [staats-kapitalisme] groeit overal."),
    ("nl", CS, "base", "De [klassenstrijd] gaat door."),
    ("nl", CS, "spelling", "De [klassestrijd] verscherpt zich."),
    ("nl", CS, "article", "De [strijd der klassen] is de motor."),
    ("nl", CS, "hyphenated", "De [klasse-strijd] is niet voorbij."),
    ("nl", CC, "base", "Het [klassebewustzijn] groeit."),
    ("nl", CC, "spelling", "Het [klassenbewustzijn] ontbreekt."),
    ("nl", CC, "base", "Er ontstond een [proletarisch bewustzijn]."),
    ("nl", CC, "inflection", "Het [proletarische bewustzijn] ontwaakt."),
    ("nl", PROL, "base", "Het [proletariaat] heeft geen vaderland."),
    ("nl", PROL, "inflection", "De [proletariërs] verenigen zich."),
    ("nl", PROL, "period", "De macht des [proletariaats] groeit."),
    ("nl", BOUR, "base", "De [bourgeoisie] is bang."),
    ("nl", BOUR, "compound", "De [kapitalistenklasse] regeert."),
    ("nl", BOUR, "base", "De [kapitalistische klasse] beslist."),
    ("nl", TU, "inflection", "De [vakbonden] weigerden."),
    ("nl", TU, "period", "De [vakvereenigingen] waren sterk."),
    ("nl", TU, "base", "De [vakbeweging] groeide snel."),
    ("nl", TU, "base", "De [vakvereniging] telde duizend leden."),
    ("nl", PARL, "base", "Het [parlementarisme] is failliet."),
    ("nl", PARL, "base", "Zij verwierpen de [parlementaire actie]."),
    ("nl", GS, "period", "De [algemeene werkstaking] van 1903 mislukte."),
    ("nl", GS, "base", "Er kwam een [algemene staking]."),
    ("nl", GS, "spelling", "De [generale staking] mislukte."),
    ("nl", REV, "base", "De [revolutie] is begonnen."),
    ("nl", REV, "inflection", "De [revolutionaire] beweging groeide."),
    ("nl", CREV, "base", "De [contrarevolutie] won."),
    ("nl", CREV, "hyphenated", "De [contra-revolutie] won opnieuw."),
    ("nl", CREV, "inflection", "De [contrarevolutionaire] troepen rukten op."),
    # --- French ------------------------------------------------------------------------------
    ("fr", WC, "plural-phrase", "Les [conseils ouvriers] prirent le pouvoir."),
    ("fr", WC, "base", "Un [conseil ouvrier] fut élu."),
    ("fr", WC, "article", "Les [conseils des ouvriers] siégeaient."),
    ("fr", WC, "base", "Le [conseil d'ouvriers] vota."),
    ("fr", WC, "article", "Le [conseil des travailleurs] décida."),
    ("fr", WC, "plural-phrase", "Les [conseils de travailleurs] se multiplient."),
    ("fr", SOV, "base", "Les [soviets] se réunirent."),
    ("fr", SOV, "inflection", "Le pouvoir [soviétique] tomba."),
    ("fr", SOV, "article", "La [république des conseils] fut proclamée."),
    ("fr", SOV, "plural-phrase", "Les [républiques des conseils] furent écrasées."),
    ("fr", DOP, "base", "La [dictature du {proletariat:prolétariat}] est nécessaire."),
    ("fr", DOP, "plural-phrase", "Les [dictatures prolétariennes] furent brèves."),
    ("fr", DOP, "article", "La [dictature de la classe ouvrière] commence."),
    ("fr", DOP, "article", "La [dictature des {proletariat:prolétaires}] est proclamée."),
    ("fr", SC, "base", "La Russie est un [capitalisme d'État]."),
    ("fr", SC, "plural-phrase", "Les [capitalismes d'État] se ressemblent."),
    ("fr", SC, "spelling", "Le [capitalisme d'Etat] progresse."),
    ("fr", SC, "spelling", "Ce [capitalisme dʼÉtat] progresse aussi."),
    ("fr", CS, "base", "La [lutte des classes] continue."),
    ("fr", CS, "plural-phrase", "Les [luttes de classes] s'aiguisent."),
    ("fr", CS, "base", "La [lutte de classe] reprend."),
    ("fr", CC, "base", "La [conscience de classe] grandit."),
    ("fr", CC, "plural-phrase", "Les [consciences de classe] diffèrent."),
    ("fr", CC, "base", "La [conscience prolétarienne] s'éveille."),
    ("fr", PROL, "base", "Le [prolétariat] n'a pas de patrie."),
    ("fr", PROL, "inflection", "Les [prolétaires] s'unissent."),
    ("fr", PROL, "singular", "Un [prolétaire] parle."),
    ("fr", BOUR, "base", "La [bourgeoisie] tremble."),
    ("fr", BOUR, "inflection", "Les [bourgeoisies] européennes s'allient."),
    ("fr", BOUR, "base", "La [classe capitaliste] domine."),
    ("fr", TU, "inflection", "Les [syndicats] refusèrent."),
    ("fr", TU, "inflection", "L'action [syndicale] échoua."),
    ("fr", TU, "inflection", "Les délégués [syndicaux] votèrent."),
    ("fr", PARL, "base", "Le [parlementarisme] est mort."),
    ("fr", PARL, "base", "Le [crétinisme parlementaire] triomphe."),
    ("fr", PARL, "article", "Ils refusèrent l'[action parlementaire]."),
    ("fr", GS, "base", "La [grève générale] éclata."),
    ("fr", GS, "plural-phrase", "Les [grèves générales] échouèrent."),
    ("fr", REV, "base", "La [révolution] commence."),
    ("fr", REV, "inflection", "Les masses [révolutionnaires] avancent."),
    ("fr", CREV, "hyphenated", "La [contre-révolution] triomphe."),
    ("fr", CREV, "hyphenated", "Les troupes [contre-révolutionnaires] avancent."),
    ("fr", CREV, "spelling", "La [contrerévolution] gagne."),
    # --- Italian -----------------------------------------------------------------------------
    ("it", WC, "plural-phrase", "I [consigli operai] occuparono le fabbriche."),
    ("it", WC, "base", "Il [consiglio operaio] decise."),
    ("it", WC, "article", "I [consigli degli operai] si riunirono."),
    ("it", WC, "article", "Il [consiglio dei lavoratori] votò."),
    ("it", WC, "plural-phrase", "Nacquero [consigli di operai] ovunque."),
    ("it", WC, "plural-phrase", "I [consigli di lavoratori] nacquero."),
    ("it", SOV, "base", "I [soviet] russi presero il potere."),
    ("it", SOV, "inflection", "Il potere [sovietico] cadde."),
    ("it", SOV, "article", "La [repubblica dei consigli] fu proclamata."),
    ("it", DOP, "base", "La [dittatura del {proletariat:proletariato}] è necessaria."),
    ("it", DOP, "plural-phrase", "Le [dittature proletarie] furono brevi."),
    ("it", DOP, "base", "La [dittatura proletaria] si afferma."),
    ("it", DOP, "article", "La [dittatura della classe operaia] comincia."),
    ("it", SC, "base", "La Russia è un [capitalismo di Stato]."),
    ("it", SC, "plural-phrase", "I [capitalismi di Stato] si somigliano."),
    ("it", SC, "base", "Il [capitalismo statale] avanza."),
    ("it", SC, "base", "È un'economia [capitalista di Stato]."),
    ("it", CS, "base", "La [lotta di classe] continua."),
    ("it", CS, "plural-phrase", "Le [lotte di classe] si inaspriscono."),
    ("it", CS, "article", "La [lotta fra le classi] è antica."),
    ("it", CS, "base", "La [guerra di classe] è dichiarata."),
    ("it", CC, "base", "La [coscienza di classe] cresce."),
    ("it", CC, "plural-phrase", "Le [coscienze di classe] maturano."),
    ("it", CC, "base", "La [coscienza proletaria] si sveglia."),
    ("it", PROL, "base", "Il [proletariato] non ha patria."),
    ("it", PROL, "inflection", "I [proletari] si uniscono."),
    ("it", PROL, "singular", "Il [proletario] non ha nulla da perdere."),
    ("it", PROL, "inflection", "I [proletariati] nazionali si divisero."),
    ("it", BOUR, "base", "La [borghesia] trema."),
    ("it", BOUR, "inflection", "Le [borghesie] europee si alleano."),
    ("it", BOUR, "base", "La [classe capitalista] domina."),
    ("it", TU, "inflection", "I [sindacati] rifiutarono."),
    ("it", TU, "base", "Il [sindacato] firmò il contratto."),
    ("it", TU, "inflection", "L'azione [sindacale] fallì."),
    ("it", PARL, "base", "Il [parlamentarismo] è morto."),
    ("it", PARL, "base", "Il [cretinismo parlamentare] trionfa."),
    ("it", GS, "base", "Lo [sciopero generale] scoppiò."),
    ("it", GS, "plural-phrase", "Gli [scioperi generali] fallirono."),
    ("it", REV, "base", "La [rivoluzione] comincia."),
    ("it", REV, "inflection", "Le masse [rivoluzionarie] avanzano."),
    ("it", CREV, "base", "La [controrivoluzione] trionfa."),
    ("it", CREV, "hyphenated", "La [contro-rivoluzione] avanza."),
    ("it", CREV, "inflection", "Le bande [controrivoluzionarie] attaccano."),
    # --- Spanish -----------------------------------------------------------------------------
    ("es", WC, "plural-phrase", "Los [consejos obreros] tomaron el poder."),
    ("es", WC, "base", "El [consejo obrero] decidió."),
    ("es", WC, "article", "Los [consejos de los obreros] se reunieron."),
    ("es", WC, "base", "El [consejo de trabajadores] votó."),
    ("es", WC, "article", "Los [consejos de los trabajadores] deliberan."),
    ("es", SOV, "base", "Los [soviets] tomaron el poder."),
    ("es", SOV, "inflection", "El gobierno [soviético] cayó."),
    ("es", SOV, "article", "La [república de los consejos] fue proclamada."),
    ("es", DOP, "base", "La [dictadura del {proletariat:proletariado}] es necesaria."),
    ("es", DOP, "plural-phrase", "Las [dictaduras proletarias] fueron breves."),
    ("es", DOP, "article", "La [dictadura de la clase obrera] comienza."),
    ("es", DOP, "base", "Defendió la [dictadura proletaria]."),
    ("es", SC, "base", "Rusia es un [capitalismo de Estado]."),
    ("es", SC, "plural-phrase", "Los [capitalismos de Estado] se parecen."),
    ("es", SC, "base", "El [capitalismo estatal] avanza."),
    ("es", SC, "base", "Es una economía [capitalista de Estado]."),
    ("es", CS, "base", "La [lucha de clases] continúa."),
    ("es", CS, "plural-phrase", "Las [luchas de clases] se agudizan."),
    ("es", CS, "article", "La [lucha de las clases] es antigua."),
    ("es", CC, "base", "La [conciencia de clase] crece."),
    ("es", CC, "plural-phrase", "Las [conciencias de clase] maduran."),
    ("es", CC, "period", "La [consciencia de clase] despierta."),
    ("es", CC, "base", "La [conciencia proletaria] despierta."),
    ("es", PROL, "base", "El [proletariado] no tiene patria."),
    ("es", PROL, "inflection", "Los [proletarios] se unen."),
    ("es", PROL, "singular", "El [proletario] no tiene nada que perder."),
    ("es", PROL, "inflection", "Los [proletariados] nacionales se dividieron."),
    ("es", BOUR, "base", "La [burguesía] tiembla."),
    ("es", BOUR, "inflection", "Las [burguesías] europeas se alían."),
    ("es", BOUR, "base", "La [clase capitalista] domina."),
    ("es", TU, "inflection", "Los [sindicatos] rechazaron el pacto."),
    ("es", TU, "inflection", "La acción [sindical] fracasó."),
    ("es", PARL, "base", "El [parlamentarismo] ha muerto."),
    ("es", PARL, "base", "El [cretinismo parlamentario] triunfa."),
    ("es", GS, "base", "La [huelga general] estalló."),
    ("es", GS, "plural-phrase", "Las [huelgas generales] fracasaron."),
    ("es", REV, "base", "La [revolución] comienza."),
    ("es", REV, "inflection", "Las masas [revolucionarias] avanzan."),
    ("es", CREV, "base", "La [contrarrevolución] triunfa."),
    ("es", CREV, "hyphenated", "La [contra-revolución] avanza."),
    ("es", CREV, "inflection", "Las bandas [contrarrevolucionarias] atacan."),
    ("es", BOUR, "negative", "Obtuvo el <derecho de burguesía> en Zaragoza."),
    # --- Russian -----------------------------------------------------------------------------
    ("ru", WC, "plural-phrase", "[Рабочие советы] взяли власть."),
    ("ru", WC, "inflection", "Собрание [рабочего совета] началось."),
    ("ru", WC, "plural-phrase", "[Советы рабочих] возникли повсюду."),
    ("ru", WC, "inflection", "Власть перешла к [рабочим советам]."),
    ("ru", WC, "inflection", "Делегаты [советов рабочих] собрались."),
    ("ru", SOV, "compound", "[Совдеп] заседал всю ночь."),
    ("ru", SOV, "base", "[Советская власть] пала."),
    ("ru", SOV, "base", "Вся [власть советам]!"),
    ("ru", SOV, "period", "[Совѣтъ депутатовъ] собрался."),
    ("ru", SOV, "inflection", "[Советской республике] угрожали."),
    ("ru", DOP, "inflection", "Они требовали [диктатуры {proletariat:пролетариата}]."),
    ("ru", DOP, "base", "[Пролетарская диктатура] укрепилась."),
    ("ru", DOP, "inflection", "Путь к [диктатуре рабочего класса] долог."),
    ("ru", DOP, "period", "[Диктатура {proletariat:пролетаріата}] неизбѣжна."),
    ("ru", SC, "base", "В России господствует [государственный капитализм]."),
    ("ru", SC, "hyphenated", "Это [государственно-капиталистическое] хозяйство."),
    ("ru", SC, "compound", "[Госкапитализм] победил."),
    ("ru", SC, "inflection", "О [государственном капитализме] спорили."),
    ("ru", CS, "base", "[Классовая борьба] продолжается."),
    ("ru", CS, "inflection", "Обострение [классовой борьбы] неизбежно."),
    ("ru", CS, "base", "[Борьба классов] движет историю."),
    ("ru", CC, "base", "[Классовое сознание] растёт."),
    ("ru", CC, "inflection", "Им не хватало [классового сознания]."),
    ("ru", CC, "base", "Росла [классовая сознательность]."),
    ("ru", PROL, "base", "[Пролетариат] не имеет отечества."),
    ("ru", PROL, "base", "[Пролетарии] всех стран, соединяйтесь!"),
    ("ru", PROL, "singular", "Положение [пролетария] ухудшилось."),
    ("ru", PROL, "period", "[Пролетаріатъ] побѣдитъ."),
    ("ru", PROL, "inflection", "Армия [пролетариев] растёт."),
    ("ru", BOUR, "base", "[Буржуазия] боится рабочих."),
    ("ru", BOUR, "inflection", "Власть [буржуазии] пала."),
    ("ru", BOUR, "base", "[Класс капиталистов] богатеет."),
    ("ru", TU, "base", "[Профсоюзы] отказались."),
    ("ru", TU, "base", "[Профессиональные союзы] растут."),
    ("ru", TU, "inflection", "Съезд [профессиональных союзов] открылся."),
    ("ru", PARL, "base", "[Парламентаризм] умер."),
    ("ru", PARL, "inflection", "Они отвергли [парламентскую тактику]."),
    ("ru", GS, "base", "[Всеобщая забастовка] началась."),
    ("ru", GS, "inflection", "Призыв ко [всеобщей стачке] прозвучал."),
    ("ru", REV, "base", "[Революция] началась."),
    ("ru", REV, "inflection", "[Революционные] массы наступают."),
    ("ru", CREV, "base", "[Контрреволюция] наступает."),
    ("ru", CREV, "inflection", "[Контрреволюционные] банды напали."),
    ("ru", CREV, "hyphenated", "[Контр-революция] снова наступает."),
    # --- Polish ------------------------------------------------------------------------------
    ("pl", WC, "plural-phrase", "[Rady robotnicze] przejęły władzę."),
    ("pl", WC, "inflection", "Posiedzenie [rady robotniczej] trwało."),
    ("pl", WC, "inflection", "Delegaci [rad robotniczych] obradowali."),
    ("pl", WC, "article", "Władza należy do [rad robotników]."),
    ("pl", SOV, "base", "[Sowiety] przejęły władzę."),
    ("pl", SOV, "inflection", "Rząd [sowiecki] upadł."),
    ("pl", SOV, "base", "[Rada delegatów robotniczych] obradowała."),
    ("pl", DOP, "inflection", "Żądali [dyktatury {proletariat:proletariatu}]."),
    ("pl", DOP, "period", "[Dyktatura {proletariat:proletarjatu}] jest konieczna."),
    ("pl", DOP, "base", "[Proletariacka dyktatura] trwa."),
    ("pl", DOP, "base", "[Dyktatura klasy robotniczej] zwycięży."),
    ("pl", SC, "base", "W Rosji panuje [kapitalizm państwowy]."),
    ("pl", SC, "inflection", "O [państwowym kapitalizmie] pisano."),
    ("pl", SC, "hyphenated", "To gospodarka [państwowo-kapitalistyczna]."),
    ("pl", SC, "inflection", "Rozwój [kapitalizmu państwowego] trwa."),
    ("pl", CS, "base", "[Walka klasowa] trwa."),
    ("pl", CS, "inflection", "O [walce klas] pisał Marks."),
    ("pl", CS, "inflection", "Zaostrzenie [walki klasowej] jest nieuniknione."),
    ("pl", CC, "base", "[Świadomość klasowa] rośnie."),
    ("pl", CC, "inflection", "Brak [świadomości klasowej] szkodzi."),
    ("pl", CC, "base", "[Klasowa świadomość] robotników rośnie."),
    ("pl", PROL, "base", "[Proletariat] nie ma ojczyzny."),
    ("pl", PROL, "base", "[Proletariusze] wszystkich krajów, łączcie się!"),
    ("pl", PROL, "period", "Walka [proletarjatu] trwa."),
    ("pl", PROL, "period", "[Proletarjusze] wszystkich krajów."),
    ("pl", BOUR, "base", "[Burżuazja] drży."),
    ("pl", BOUR, "inflection", "Władza [burżuazji] upada."),
    ("pl", BOUR, "period", "Władza [burżuazyi] upada."),
    ("pl", BOUR, "base", "[Klasa kapitalistów] rządzi."),
    ("pl", TU, "plural-phrase", "[Związki zawodowe] odmówiły."),
    ("pl", TU, "base", "[Związek zawodowy] podpisał umowę."),
    ("pl", TU, "inflection", "Członkowie [związków zawodowych] strajkowali."),
    ("pl", PARL, "base", "[Parlamentaryzm] umarł."),
    ("pl", PARL, "inflection", "Odrzucili [taktykę parlamentarną]."),
    ("pl", GS, "base", "[Strajk generalny] wybuchł."),
    ("pl", GS, "base", "[Strajk powszechny] sparaliżował kraj."),
    ("pl", GS, "inflection", "Wezwano do [powszechnego strajku]."),
    ("pl", REV, "base", "[Rewolucja] zaczęła się."),
    ("pl", REV, "inflection", "[Rewolucyjne] masy nacierają."),
    ("pl", CREV, "base", "[Kontrrewolucja] zwycięża."),
    ("pl", CREV, "inflection", "[Kontrrewolucyjne] bandy napadły."),
    ("pl", CREV, "hyphenated", "[Kontr-rewolucja] znów zwycięża."),
]

MARK = re.compile(r"\[|\]|\{([a-z-]+):|\}|<|>")


def parse(sentence: str) -> tuple[str, list[tuple[str, int, int]]]:
    """Return the plain sentence and its marks: (kind or concept, start, end)."""
    out, marks, stack = [], [], []
    pos = 0
    for m in MARK.finditer(sentence):
        out.append(sentence[pos:m.start()])
        at = sum(len(part) for part in out)
        token = m.group()
        if token in "[<" or m.group(1):
            stack.append((token if not m.group(1) else m.group(1), at))
        else:
            kind, start = stack.pop()
            marks.append((kind, start, at))
        pos = m.end()
    out.append(sentence[pos:])
    return "".join(out), marks


def main() -> None:
    rows, texts = [], {}
    for number, (lang, concept, category, sentence) in enumerate(PROBES, 1):
        plain, marks = parse(sentence)
        paragraphs = texts.setdefault(lang, [])
        offset = sum(len(p) + 2 for p in paragraphs)
        paragraph = len(paragraphs)
        paragraphs.append(plain)
        for kind, start, end in marks:
            role = {"[": "expected", "<": "negative"}.get(kind, "nested")
            rows.append({
                "probe": number, "lang": lang, "doc": f"{lang}/probe-{lang}.txt", "paragraph": paragraph,
                "concept": concept if role != "nested" else kind, "role": role,
                "category": category if role == "expected" else role,
                "text": plain[start:end], "char_start": offset + start, "char_end": offset + end,
                "sentence": plain,
            })
    for lang, paragraphs in texts.items():
        folder = HERE / lang
        folder.mkdir(exist_ok=True)
        (folder / f"probe-{lang}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    with open(HERE / "metadata.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["path", "title", "author", "year", "language", "group"])
        for lang in texts:
            writer.writerow([f"{lang}/probe-{lang}.txt", f"Concept probe ({lang})", "concord", YEAR[lang], lang, "probe"])
    with open(HERE / "expectations.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
