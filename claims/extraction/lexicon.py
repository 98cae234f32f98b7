"""Word lists the rules look up, by lemma or lower-case token text.

These are general English news vocabulary (reporting verbs, casualty and arrest words, titles), not
phrases taken from any annotated article. Rules elsewhere decide *where* in the parse a word must
sit to count; the lists only say which words can play a part.
"""

from __future__ import annotations

# --- Outcomes -------------------------------------------------------------------------------

# Verbs whose object (active) or subject (passive) is the person the outcome happened to.
OUTCOME_VERBS: dict[str, str] = {
    "kill": "killed",
    "murder": "killed",
    "slay": "killed",
    "massacre": "killed",
    "slaughter": "killed",
    "drown": "killed",
    "assassinate": "killed",
    "lynch": "killed",
    "execute": "killed",
    "behead": "killed",
    "martyr": "killed",  # "Four policemen were martyred" (South Asian usage)
    "injure": "injured",
    "wound": "injured",
    "hurt": "injured",
    "maim": "injured",
    "hospitalize": "injured",
    "hospitalise": "injured",
    "arrest": "arrested",
    "jail": "arrested",
    "imprison": "arrested",
    "capture": "arrested",
    "recapture": "arrested",
    "apprehend": "arrested",
    "detain": "detained",
}
# Verbs whose *subject* suffered the outcome ("12 people died").
INTRANSITIVE_OUTCOMES: dict[str, str] = {
    "die": "killed",
    "perish": "killed",
    "drown": "killed",
    "disappear": "missing",  # "10,000 people have disappeared"
    "succumb": "killed",  # "two more succumbed to their injuries"
}
# Predicate adjectives: "six people are dead", "three remain missing", "were among the dead".
OUTCOME_ADJECTIVES: dict[str, str] = {
    "dead": "killed",
    "killed": "killed",
    "injured": "injured",
    "wounded": "injured",
    "hurt": "injured",
    "missing": "missing",
    "unaccounted": "missing",
    "detained": "detained",
    "arrested": "arrested",
}
# Counted nouns that are not people: "300 livestock were killed" is no casualty figure.
ANIMAL_NOUNS = frozenset({"livestock", "cattle", "animal", "sheep", "goat", "cow", "camel",
                          "horse", "donkey", "pig", "chicken", "bird", "dog", "cat", "fish",
                          "poultry", "buffalo", "elephant", "whale", "dolphin", "deer", "bee",
                          "ox", "mule", "lamb", "calf", "hen", "duck", "rhino", "lion"})  # fmt: skip
# Nouns for the dead that say nothing of who killed them: the verb over them is whoever found
# or recovered them ("Rescue workers pulled the bodies of five children from the mud").
REMAINS_NOUNS = frozenset({"body", "corpse", "remains"})
# Nouns that name the outcome itself ("1,400 deaths", "the killing of four", "660 detentions").
OUTCOME_NOUNS: dict[str, str] = {
    "death": "killed",
    "body": "killed",  # "the bodies of 17 migrants were recovered"
    "corpse": "killed",
    "killing": "killed",
    "fatality": "killed",
    "dead": "killed",
    "injury": "injured",
    # "300 casualties" counts the dead and the wounded together without saying how many died:
    # stored as injured, the weaker outcome, so it never inflates a death toll.
    "casualty": "injured",
    "wounded": "injured",
    "injured": "injured",
    "arrest": "arrested",
    "detention": "detained",
    "detainee": "detained",
    "disappearance": "missing",
}
# Nouns that carry a running count ("the death toll rose to 71", "puts the toll at 141").
TOLL_NOUNS = frozenset({"toll", "tally", "count", "total", "number", "figure"})
# Verbs that move or state a toll ("rose to", "brings ... to", "puts ... at", "stands at").
TOLL_VERBS = frozenset({"rise", "climb", "bring", "put", "reach", "stand", "increase", "jump",
                        "revise", "soar", "grow", "swell", "mount", "hit", "surge", "fall",
                        "drop", "lower", "raise"})  # fmt: skip
# Nouns whose count is a count of events, not people ("four more reports of deaths").
REPORT_NOUNS = frozenset({"report", "case", "incident", "account"})
# Passive verbs that report or suppose what their subject did or suffered: "15 people are said to
# have died", "dozens are feared to have drowned", "40 were reported to have been arrested".
HEARSAY_VERBS = frozenset({"say", "report", "believe", "think", "fear", "rumour", "rumor",
                           "understand", "allege", "claim", "presume", "suspect", "estimate",
                           "expect", "know"})  # fmt: skip
# What people are treated for or suffer: "treated for gunshot wounds", "suffered injuries".
INJURY_NOUNS = frozenset({"wound", "injury", "burn", "fracture", "gunshot"})
# Where people are held: makes "held at/in X" a detention.
DETENTION_PLACES = frozenset({"station", "prison", "jail", "gaol", "custody", "detention", "camp",
                              "facility", "cell", "centre", "center", "base", "barracks",
                              "charge", "captivity"})  # fmt: skip
# A count with no verb, held: "with nearly 2,000 more in custody", "400 others under arrest",
# "with 2,900 people still behind bars". The noun after the preposition, and the outcome.
CUSTODY_STATES: dict[tuple[str, str], str] = {
    ("in", "custody"): "detained",
    ("in", "detention"): "detained",
    ("in", "jail"): "detained",
    ("in", "prison"): "detained",
    ("behind", "bars"): "detained",
    ("under", "arrest"): "arrested",
}
# "held for 48 hours", "held for five days": a hold measured in time is a detention.
DURATION_NOUNS = frozenset({"hour", "day", "week", "month", "year", "night"})
# Verbs of taking someone to a police station or prison ("delivered to police stations").
CONVEY_VERBS = frozenset({"take", "bring", "transfer", "move", "deliver", "escort", "drive",
                          "bus", "ferry", "send", "march", "haul", "drag", "frogmarch"})  # fmt: skip
# Verbs of keeping a tally: a monitor that "has counted 4,380 arrests" or "recorded a further
# 97" speaks for the count (attributions.py), and a bare number they take continues the count
# before it.
TALLY_VERBS = frozenset({"count", "record", "document", "tally", "log", "register", "attribute",
                         "verify", "catalogue", "catalog", "compile", "tabulate", "keep",
                         "list"})  # fmt: skip
# Words before an outcome noun that say who it happened to: "1,480 civilian deaths", "32
# child casualties", "200 protester arrests". The plural is the subject.
PEOPLE_MODIFIERS = {"civilian": "civilians", "child": "children", "protester": "protesters",
                    "journalist": "journalists", "student": "students", "migrant": "migrants",
                    "refugee": "refugees", "worker": "workers", "soldier": "soldiers",
                    "activist": "activists", "opposition": "opposition members",
                    "detainee": "detainees", "prisoner": "prisoners"}  # fmt: skip
# Groups counted by "of N": "a family of four", "a group of six".
GROUP_NOUNS = frozenset({"family", "group", "party", "crowd", "team", "unit", "band", "busload"})

KIND_OF_OUTCOME = {
    "killed": "casualty",
    "injured": "casualty",
    "missing": "casualty",
    "arrested": "arrest",
    "detained": "arrest",
}

# --- Numbers --------------------------------------------------------------------------------

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Vague plurals: the value recorded is the least the word can mean (two of the unit), with the
# qualifier "about" and no upper bound. Documented in the package docstring.
VAGUE = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "millions": 2_000_000}

# Word sequences before a number, longest first when matched.
QUALIFIERS: dict[tuple[str, ...], str] = {
    ("more", "than"): "more_than",
    ("over",): "more_than",
    ("upwards", "of"): "more_than",
    ("in", "excess", "of"): "more_than",
    ("at", "least"): "at_least",
    ("no", "fewer", "than"): "at_least",
    ("no", "less", "than"): "at_least",
    ("not", "less", "than"): "at_least",
    ("a", "minimum", "of"): "at_least",
    ("about",): "about",
    ("some",): "about",
    ("nearly",): "about",
    ("almost",): "about",
    ("around",): "about",
    ("roughly",): "about",
    ("approximately",): "about",
    ("an", "estimated"): "about",
    ("estimated",): "about",
    ("close", "to"): "about",
    ("up", "to"): "up_to",
    ("as", "many", "as"): "up_to",
    ("at", "most"): "up_to",
    ("no", "more", "than"): "up_to",
    ("fewer", "than"): "fewer_than",
    ("less", "than"): "fewer_than",
    ("under",): "fewer_than",
}
QUALIFIER_MAX_LEN = max(len(k) for k in QUALIFIERS)

# --- Attributions ---------------------------------------------------------------------------

# Reporting verbs (lemmas). Each still needs a speaker and a place in the parse to count.
REPORTING_VERBS = frozenset({
    "say", "tell", "warn", "call", "praise", "claim", "note", "add", "accuse", "deny",
    "announce", "urge", "state", "report", "confirm", "insist", "argue", "explain", "describe",
    "suggest", "allege", "assert", "declare", "estimate", "acknowledge", "admit", "stress",
    "emphasize", "emphasise", "tweet", "write", "post", "blame", "condemn", "criticize",
    "criticise", "demand", "express", "predict", "promise", "threaten", "vow", "pledge",
    "appeal", "ask", "reject", "dismiss", "respond", "reply", "recall", "concede", "contend",
    "believe", "question", "quote", "cite", "put", "disclose", "reveal", "indicate",
    "observe", "remark", "comment", "repeat", "reiterate", "welcome", "complain", "caution",
    "testify", "inform", "notify", "counter", "retort", "rebut", "refute", "dispute", "decry",
    "denounce", "slam", "hail", "commend", "applaud", "assure", "reassure", "proclaim", "conclude",
    "find", "show", "fear", "think", "charge", "label", "brand", "term", "dub",
    "request", "recommend", "propose", "plead", "lament", "forecast", "maintain",
})  # fmt: skip
# Speech acts beyond the reporting verbs, by class. attributions.py gives each class the test
# of what it needs around it to report anything (a quotation, a clause, an object, a topic).
# How something was said: only with a quotation or a reported clause ("“...,” she joked").
MANNER_CUES = frozenset({
    "joke", "quip", "shout", "exclaim", "yell", "scream", "whisper", "mutter", "murmur",
    "recount", "sigh", "laugh", "snap", "muse", "gush", "scoff", "grumble", "chuckle",
    "bark", "thunder", "fume", "marvel", "stammer", "sneer", "bellow", "roar", "cry",
    "wonder", "boom", "chime", "interject", "interrupt", "concur", "agree",
})  # fmt: skip
# Judging or reacting, aimed at something: "blasted the budget as a giveaway", "thanked the
# troops", "echoed those concerns", "boasted that ...".
EVALUATION_CUES = frozenset({
    "blast", "deride", "lambast", "lambaste", "rebuke", "chide", "mock", "ridicule",
    "scold", "berate", "castigate", "excoriate", "assail", "tout", "boast", "brag", "echo",
    "laud", "extol", "salute", "congratulate", "apologize", "apologise", "scorn",
    "disparage", "belittle", "fault", "pan", "thank", "rail", "bemoan", "deplore",
    "lash", "hit", "press", "champion", "defend", "attack", "celebrate", "downplay",
    "play", "reaffirm", "insult", "savage",
})  # fmt: skip
# Talking about a topic: "spoke about the need for ...", "discussed the proposal", "referred to
# the protesters as ...".
TOPIC_CUES = frozenset({"speak", "talk", "discuss", "refer", "mention", "elaborate"})
# Writing and publishing: "emailed staff that ...", "issued a statement", "released figures".
WRITING_CUES = frozenset({"email", "text", "message", "blog", "pen", "release", "issue",
                          "circulate", "telegraph", "cable", "publish"})  # fmt: skip
SPEECH_ACTS: dict[str, frozenset[str]] = {
    "manner": MANNER_CUES,
    "evaluation": EVALUATION_CUES,
    "topic": TOPIC_CUES,
    # Keeping a tally: "has counted 4,380 arrests", "keeps a tally of 2,315 arrests",
    # "documents the deaths of 11 people", "attributed 71 deaths to ground fighting".
    "tally": TALLY_VERBS,
    "writing": WRITING_CUES,
}
# Every speech verb, whatever its class.
CUE_VERBS = REPORTING_VERBS.union(*SPEECH_ACTS.values())
SPEECH_CLASS: dict[str, str] = {
    lemma: name for name, lemmas in SPEECH_ACTS.items() for lemma in lemmas
}
# Verbs of intending, planning or refusing: a speech verb in their infinitive has not been said
# ("wants to talk about the deficit", "plans to announce", "declined to discuss the case").
INTENTION_VERBS = frozenset({"want", "plan", "hope", "expect", "intend", "aim", "try", "seek",
                             "wish", "prepare", "need", "like", "love", "decide", "refuse",
                             "decline", "fail", "attempt", "hesitate", "prefer", "schedule",
                             "set", "due", "likely", "unlikely", "ready", "poised", "able",
                             "forbid", "bar", "ban", "allow", "permit", "invite", "await",
                             "mean", "choose", "agree", "offer", "volunteer", "dare",
                             "scramble", "struggle", "have", "ought", "get"})  # fmt: skip
# Evaluation verbs that are a speech act only as a phrasal verb: "hit out at", "lashed out at",
# "played down", "pressed for".
PHRASAL_EVALUATIONS: dict[str, frozenset[str]] = {
    "hit": frozenset({"out"}),
    "lash": frozenset({"out"}),
    "play": frozenset({"down"}),
}
# Evaluation verbs that are as often deeds as words ("the army defended the town", "rebels
# attacked a convoy", "fans celebrated"): a speech act only with a clause, a quotation or a
# speech setting ("defended the arrests in an interview with CNN").
DEED_EVALUATIONS = frozenset({"defend", "attack", "celebrate", "press", "champion", "salute"})
# Objects that make "talked about", "spoke on" a setting rather than a topic: "spoke on
# condition of anonymity", "spoke on the phone".
NOT_TOPICS = frozenset({"condition", "anonymity", "background", "phone", "telephone",
                        "television", "radio", "camera", "record", "behalf", "stage",
                        "podium", "floor", "line"})  # fmt: skip
# Nouns naming a speech setting: a claim's verb in one reports speech ("In an interview with
# CNN, the senator defended the arrests", "At a news conference, the minister outlined ...").
SPEECH_SETTINGS = frozenset({
    "interview", "statement", "speech", "address", "remark", "remarks", "conference",
    "briefing", "hearing", "testimony", "debate", "rally", "podcast", "broadcast", "tweet",
    "letter", "op-ed", "column", "memo", "email", "announcement", "sermon", "lecture",
    "speeches", "question", "questions", "appearance", "editorial",
    "essay", "communique", "communiqué", "post", "message", "radio", "television",
})  # fmt: skip
# What a publishing verb must put out to report anything: "issued a statement", "released
# figures", "published a report" (not "released the detainees", "issued a warrant").
PUBLISHED_NOUNS = frozenset({"statement", "report", "release", "figure", "data", "finding",
                             "tally", "count", "estimate", "survey", "analysis", "letter", "memo",
                             "communique", "communiqué", "bulletin", "notice", "document",
                             "review", "assessment", "list", "transcript", "paper", "dossier",
                             "study", "audit", "update", "warning", "appeal", "op-ed",
                             "editorial", "declaration", "denial", "response", "reply"})  # fmt: skip
# Participles that set a sentence in speech: "Speaking to reporters, ...", "Asked about the
# arrests, ...", "Writing in the Guardian, ...", "Addressing parliament, ...".
SETTING_PARTICIPLES = frozenset({"speak", "talk", "address", "ask", "write", "answer", "testify",
                                 "respond", "reply", "appear", "question", "press"})  # fmt: skip
# Cue verbs that are often not speech; they count only with a clause or quotation as content.
WEAK_CUES = frozenset({"add", "note", "post", "write", "put", "express", "question", "order",
                       "respond", "reply",
                       "declare",
                       "believe", "reject", "dismiss", "welcome", "observe", "repeat", "quote",
                       "cite", "comment", "indicate", "state", "conclude", "find", "show", "fear",
                       "think", "charge", "label", "brand", "term", "dub", "maintain",
                       "request", "propose", "recommend"})  # fmt: skip
# Nouns for the vehicle of a statement: "A State Department notice warned" -> the department.
DOCUMENT_NOUNS = frozenset({
    "notice", "statement", "report", "release", "tweet", "post", "letter", "message", "video",
    "communique", "communiqué", "bulletin", "memo", "filing", "document", "announcement",
    "slogan", "banner", "sign", "placard", "leaflet", "poster",
})  # fmt: skip
# Counts and findings that stand for whoever made them: "according to a tally by AFP".
SOURCE_NOUNS = frozenset({"tally", "count", "figure", "figures", "estimate", "data", "survey",
                          "investigation", "analysis", "review", "assessment", "record"})  # fmt: skip
# Nouns that restate a claim in an aside: "..., a claim the Green Party rejected as "nonsense"",
# "..., a charge the rebels denied" (the rival party is a source of its own).
CLAIM_NOUNS = frozenset({"claim", "charge", "allegation", "accusation", "assertion", "account",
                         "version", "suggestion", "characterisation", "characterization",
                         "description", "assessment", "contention"})  # fmt: skip
# Verbs of getting hold of a document: "documents seen by Continental Dispatch" were not written
# by the outlet that saw them (unlike "data compiled by ACLED").
DOCUMENT_READERS = frozenset({"see", "obtain", "review", "examine", "read", "leak", "access",
                              "view", "acquire", "receive", "share", "publish"})  # fmt: skip
# A quoted phrase after "charges of" names an offence, it does not quote a speaker.
CHARGE_NOUNS = frozenset({"charge", "offence", "offense", "count", "crime", "indictment"})
QUOTE_CHARS = frozenset({'"', "“", "”", "„", "«", "»", "‟", "``", "''"})

# --- Speakers and actors --------------------------------------------------------------------

# Titles and occupations that name a role. Used to split "Kazakh President Kassym-Jomart Tokayev"
# into role and name, and to give unnamed speakers ("an Iranian lawmaker") a role.
ROLE_WORDS = frozenset({
    "president", "vice", "premier", "prime", "minister", "secretary", "general", "spokesman",
    "a.i", "interim", "acting",  # "Humanitarian Coordinator a.i.", "Acting President"
    "spokeswoman", "spokesperson", "governor", "mayor", "chief", "director", "head", "commander",
    "colonel", "major", "captain", "lieutenant", "sergeant", "officer", "official", "lawmaker",
    "legislator", "senator", "representative", "congressman", "congresswoman", "ambassador",
    "envoy", "chairman", "chairwoman", "chair", "leader", "king", "queen", "prince", "princess",
    "judge", "justice", "prosecutor", "lawyer", "attorney", "professor", "analyst", "researcher",
    "expert", "activist", "journalist", "reporter", "editor", "founder", "ceo", "executive",
    "manager", "deputy", "assistant", "adviser", "advisor", "coordinator", "commissioner",
    "inspector", "superintendent", "chancellor", "emir", "sheikh", "cleric", "imam", "bishop",
    "pope", "rapporteur", "graduate", "student", "doctor", "dr", "mr", "mrs", "ms", "sen", "rep",
    "gen", "col", "maj", "lt", "sgt", "capt", "gov", "ayatollah", "cpl", "insp", "supt", "det",
    "amb", "brig", "pres", "cmdr", "const", "atty", "hon", "adm", "prof", "rev", "reverend", "investigator", "organizer", "organiser",
    "member", "mp", "economist", "scientist", "historian", "critic", "candidate", "speaker",
    "marshal", "admiral", "brigadier", "commandant", "councillor", "councilor", "senior",
    "undersecretary", "secretary-general", "physician", "surgeon", "nurse",
    "police", "monarch", "sultan", "dictator", "opposition", "mufti", "rabbi", "pastor",
    "priest", "archbishop", "cardinal", "magistrate", "barrister", "solicitor", "counsel",
    "director-general", "commentator", "protester", "dissident", "blogger", "writer", "author",
    "diplomat", "negotiator", "mediator", "aide", "staffer", "delegate", "correspondent",
    "columnist", "engineer", "teacher", "councilman", "councilwoman",
    "collector", "mla", "sheriff", "constable", "warden", "administrator", "superintendant",
})  # fmt: skip
# Head nouns that make a speaker an organisation ("the interior ministry", "a rescue service").
ORG_NOUNS = frozenset({
    "ministry", "department", "government", "agency", "office", "council", "committee",
    "commission", "police", "military", "army", "navy", "force", "forces", "service", "group",
    "organization", "organisation", "network", "observatory", "embassy", "consulate", "union",
    "nations", "association", "party", "league", "court", "parliament", "assembly", "cabinet",
    "administration", "authority", "authorities", "company", "press", "media", "international", "institute", "foundation", "center", "centre", "coalition", "alliance",
    "watch", "bureau", "junta", "regime", "kremlin", "pentagon", "tribunal",
    "prosecutor's", "red", "crescent", "cross", "fund", "bank", "university", "hospital",
    "station", "channel", "newspaper", "tv", "radio", "info", "movement", "front", "brigade",
    "guard", "guards", "corps", "command", "directorate", "secretariat", "mission", "house",
    "palace", "borders", "frontieres", "frontières", "ministries", "senate", "congress",
})  # fmt: skip
# Lower-case particles inside personal names ("Ursula von der Leyen", "Osama bin Laden").
NAME_PARTICLES = frozenset({"von", "der", "van", "de", "den", "da", "dos", "du", "la", "le",
                            "bin", "bint", "ibn", "al", "el", "abu", "del", "di", "ter"})  # fmt: skip
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
# Possessives that name a speaker ("Its claim that ...", "by their count"): the pronoun they
# stand for.
POSSESSIVE_PRONOUNS = {"its": "it", "their": "they", "his": "he", "her": "she"}
# Party and camp words that stand for a person already named: "the Kansas Republican derided
# ...", "the veteran Conservative said".
PARTY_EPITHETS = frozenset({"republican", "democrat", "conservative", "tory", "liberal",
                            "socialist", "centrist", "nationalist", "populist", "independent",
                            "moderate", "progressive", "communist", "libertarian", "unionist",
                            "royalist", "loyalist", "veteran", "lawmaker", "legislator"})  # fmt: skip
# Forms of address: part of how a name is written, not a role.
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "sir", "dame", "madam", "mister"})
# Abbreviated titles the tokenizer would otherwise split from their full stop, which then ends
# the sentence: "according to Sgt. Maria Lopez" became "according to Sgt." + "Maria Lopez, ...".
TITLE_ABBREVIATIONS = ("Sgt.", "Lt.", "Col.", "Capt.", "Maj.", "Cpl.", "Insp.", "Supt.", "Det.",
                       "Amb.", "Brig.", "Pres.", "Cmdr.", "Const.", "Atty.", "Hon.", "Adm.",
                       "Gen.", "Gov.", "Sen.", "Rep.", "Prof.", "Rev.", "Dr.", "Lt.-Col.",
                       "Sgt.-Maj.", "Ch.")  # fmt: skip
GROUP_PRONOUNS = frozenset({"they", "them", "we", "it"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
# Generic people a suspicion can be about without hedging any claim ("those suspected of ...").
GENERIC_PRONOUNS = frozenset({"those", "anyone", "anybody", "someone", "somebody", "whoever"})

# --- Hedges ---------------------------------------------------------------------------------

# Words that hedge every claim in their sentence.
HEDGE_ADVERBS = frozenset({"reportedly", "allegedly", "purportedly", "supposedly", "apparently",
                           "unconfirmed", "unverified", "ostensibly"})  # fmt: skip
HEDGE_MODIFIERS = frozenset({"alleged", "suspected", "reported", "purported", "presumed",
                             "unconfirmed", "unverified", "claimed", "feared"})  # fmt: skip
# "without proof", "without evidence".
EVIDENCE_NOUNS = frozenset({"proof", "evidence", "substantiation", "corroboration"})
# Cues whose content is an act aimed at someone, read with the cue itself: "called for an
# inquiry", "urged allies to send ...", "accused the police of ...", "condemned the attack".
DIRECTIVE_CUES = frozenset({"call", "urge", "accuse", "ask", "appeal", "demand", "condemn",
                            "praise", "blame", "criticise", "criticize", "thank", "warn",
                            "press", "implore", "encourage", "reject", "deny", "put"})  # fmt: skip
# "The figures/numbers/tolls could not be verified": a plural of these reaches back to every
# figure since the last such sentence, not only the nearest paragraph's.
FIGURE_NOUNS = frozenset({"figure", "number", "toll", "count", "casualty", "statistic", "tally",
                          "estimate", "claim", "report", "account", "detail"})  # fmt: skip
# A sentence that says figures could not be checked hedges the claims before it.
VERIFY_WORDS = frozenset({"verify", "confirm", "corroborate", "substantiate", "verification",
                          "confirmation", "corroboration", "independently"})  # fmt: skip
