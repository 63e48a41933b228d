#include "support/corpus_text.hpp"

#include "util/text_metrics.hpp"

#include <cmath>

namespace pageprep::testsupport {

namespace {

// Common English words (function words weighted by repetition below). All are
// real words so that Tesseract's English language model reads the text as it
// would read a real page.
const char* const kWords[] = {
    "the",         "of",         "and",       "to",         "in",       "is",
    "that",        "for",        "it",        "as",         "was",      "with",
    "be",          "by",         "on",        "not",        "he",       "this",
    "are",         "or",         "his",       "from",       "at",       "which",
    "but",         "have",       "an",        "had",        "they",     "you",
    "were",        "their",      "one",       "all",        "we",       "can",
    "her",         "has",        "there",     "been",       "if",       "more",
    "when",        "will",       "would",     "who",        "so",       "no",
    "she",         "other",      "its",       "may",        "these",    "what",
    "them",        "than",       "some",      "him",        "time",     "into",
    "only",        "do",         "could",     "new",        "about",    "two",
    "then",        "first",      "also",      "any",        "like",     "our",
    "over",        "such",       "man",       "me",         "even",     "most",
    "made",        "after",      "many",      "must",       "before",   "years",
    "well",        "through",    "back",      "where",      "much",     "your",
    "way",         "down",       "should",    "because",    "each",     "just",
    "those",       "people",     "how",       "too",        "little",   "state",
    "good",        "very",       "make",      "world",      "still",    "own",
    "see",         "men",        "work",      "long",       "get",      "here",
    "between",     "both",       "life",      "being",      "under",    "never",
    "day",         "same",       "another",   "know",       "while",    "last",
    "might",       "us",         "great",     "old",        "year",     "off",
    "come",        "since",      "against",   "go",         "came",     "right",
    "used",        "take",       "three",     "himself",    "few",      "house",
    "use",         "during",     "without",   "again",      "place",    "around",
    "however",     "home",       "small",     "found",      "thought",  "went",
    "say",         "part",       "once",      "general",    "high",     "upon",
    "school",      "every",      "does",      "got",        "united",   "left",
    "number",      "course",     "war",       "until",      "always",   "away",
    "something",   "fact",       "though",    "water",      "less",     "public",
    "put",         "think",      "almost",    "hand",       "enough",   "far",
    "took",        "head",       "yet",       "government", "system",   "better",
    "set",         "told",       "nothing",   "night",      "end",      "why",
    "called",      "did",        "eyes",      "find",       "going",    "look",
    "asked",       "later",      "knew",      "point",      "next",     "program",
    "city",        "business",   "give",      "group",      "toward",   "young",
    "days",        "let",        "room",      "president",  "side",     "social",
    "given",       "present",    "several",   "order",      "national", "possible",
    "rather",      "second",     "face",      "per",        "among",    "form",
    "important",   "often",      "things",    "looked",     "early",    "white",
    "case",        "joined",     "become",    "large",      "big",      "need",
    "four",        "within",     "felt",      "along",      "children", "saw",
    "best",        "church",     "ever",      "least",      "power",    "development",
    "light",       "thing",      "seemed",    "family",     "interest", "want",
    "members",     "mind",       "country",   "area",       "others",   "done",
    "turned",      "although",   "open",      "gold",       "service",  "certain",
    "kind",        "problem",    "began",     "different",  "door",     "thus",
    "help",        "means",      "sense",     "whole",      "matter",   "perhaps",
    "itself",      "yard",       "times",     "law",        "human",    "line",
    "above",       "name",       "example",   "action",     "company",  "hands",
    "local",       "show",       "whether",   "five",       "history",  "gave",
    "today",       "either",     "act",       "feet",       "across",   "taken",
    "past",        "quite",      "anything",  "seen",       "having",   "death",
    "week",        "experience", "body",      "word",       "half",     "really",
    "field",       "animal",     "car",       "words",      "already",  "themselves",
    "information", "tell",       "together",  "college",    "shall",    "money",
    "period",      "held",       "keep",      "sure",       "probably", "free",
    "seems",       "real",       "behind",    "cannot",     "miss",     "political",
    "air",         "question",   "office",    "brought",    "whose",    "special",
    "heard",       "major",      "problems",  "ago",        "became",   "federal",
    "moment",      "study",      "available", "known",      "result",   "street",
    "economic",    "boy",        "position",  "reason",     "change",   "south",
    "board",       "individual", "job",       "areas",      "society",  "west",
    "close",       "turn",       "love",      "community",  "true",     "court",
    "force",       "full",       "seem",      "policy",     "age",      "wife",
    "future",      "voice",      "center",    "woman",      "control",  "common",
    "necessary",   "following",  "front",     "sometimes",  "girl",     "six",
    "clear",       "further",    "land",      "run",        "students", "provide",
    "feel",        "party",      "able",      "mother",     "music",    "education",
    "university",  "child",      "effect",    "level",      "stood",    "military",
    "town",        "short",      "morning",   "total",      "outside",  "rate",
    "figure",      "class",      "art",       "century",    "weather",  "north",
    "usually",     "leave",      "therefore", "evidence",   "million",  "sound",
    "black",       "strong",     "hard",      "various",    "says",     "believe",
    "type",        "value",      "play",      "surface",    "soon",     "mean",
    "near",        "lines",      "table",     "modern",     "road",     "tax",
    "alone",       "religious",  "top",       "food",       "private",  "letter",
    "paper",       "river",      "garden",    "winter",     "summer",   "market",
    "report",      "simple",     "answer",    "measure",    "method",   "record",
    "plain",       "quiet",      "village",   "window",     "spring",   "stone",
    "bright",      "careful",    "journey",   "harbor",     "meadow",   "library",
    "engine",      "island",
};
constexpr int kWordCount = static_cast<int>(sizeof(kWords) / sizeof(kWords[0]));

// Common simplified Chinese characters (distinct, high frequency).
const char32_t kHanzi[] =
    U"的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过"
    U"家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所"
    U"本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全"
    U"工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教"
    U"西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性"
    U"通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲"
    U"界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认"
    U"算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红"
    U"治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写"
    U"呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首"
    U"单据导影失拿网香似专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴医料云";

// Common Russian words, most frequent (function words) first, for Cyrillic
// pages that Tesseract's rus model reads as it would a real page.
const char32_t* const kRussianWords[] = {
    U"и",
    U"в",
    U"не",
    U"на",
    U"я",
    U"что",
    U"он",
    U"с",
    U"как",
    U"а",
    U"то",
    U"это",
    U"по",
    U"к",
    U"но",
    U"они",
    U"мы",
    U"все",
    U"она",
    U"так",
    U"его",
    U"за",
    U"от",
    U"же",
    U"бы",
    U"вы",
    U"из",
    U"у",
    U"ты",
    U"о",
    U"для",
    U"было",
    U"уже",
    U"только",
    U"еще",
    U"или",
    U"ее",
    U"мне",
    U"даже",
    U"да",
    U"нет",
    U"когда",
    U"есть",
    U"был",
    U"быть",
    U"чтобы",
    U"если",
    U"там",
    U"были",
    U"может",
    U"вот",
    U"при",
    U"до",
    U"тоже",
    U"после",
    U"очень",
    U"без",
    U"здесь",
    U"их",
    U"потом",
    U"через",
    U"над",
    U"время",
    U"человек",
    U"год",
    U"день",
    U"жизнь",
    U"дело",
    U"рука",
    U"раз",
    U"слово",
    U"место",
    U"лицо",
    U"друг",
    U"глаз",
    U"вопрос",
    U"дом",
    U"сторона",
    U"страна",
    U"мир",
    U"случай",
    U"голова",
    U"ребенок",
    U"сила",
    U"конец",
    U"вид",
    U"система",
    U"часть",
    U"город",
    U"отношение",
    U"женщина",
    U"деньги",
    U"земля",
    U"машина",
    U"вода",
    U"отец",
    U"проблема",
    U"час",
    U"право",
    U"нога",
    U"решение",
    U"дверь",
    U"образ",
    U"история",
    U"власть",
    U"закон",
    U"война",
    U"бог",
    U"голос",
    U"тысяча",
    U"книга",
    U"возможность",
    U"результат",
    U"ночь",
    U"стол",
    U"имя",
    U"область",
    U"статья",
    U"число",
    U"компания",
    U"народ",
    U"жена",
    U"группа",
    U"развитие",
    U"процесс",
    U"суд",
    U"условие",
    U"средство",
    U"начало",
    U"свет",
    U"пора",
    U"путь",
    U"душа",
    U"уровень",
    U"форма",
    U"связь",
    U"минута",
    U"улица",
    U"вечер",
    U"качество",
    U"мысль",
    U"дорога",
    U"мать",
    U"действие",
    U"месяц",
    U"государство",
    U"язык",
    U"любовь",
    U"взгляд",
    U"мама",
    U"век",
    U"школа",
    U"цель",
    U"общество",
    U"деятельность",
    U"организация",
    U"президент",
    U"комната",
    U"порядок",
    U"момент",
    U"театр",
    U"письмо",
    U"утро",
    U"помощь",
    U"ситуация",
    U"роль",
    U"рубль",
    U"смысл",
    U"состояние",
    U"квартира",
    U"орган",
    U"внимание",
    U"тело",
    U"труд",
    U"сын",
    U"мера",
    U"смерть",
    U"рынок",
    U"программа",
    U"задача",
    U"предприятие",
    U"окно",
    U"разговор",
    U"правительство",
    U"семья",
    U"производство",
    U"информация",
    U"положение",
    U"центр",
    U"ответ",
    U"муж",
    U"автор",
    U"стена",
    U"интерес",
    U"федерация",
    U"правило",
    U"управление",
    U"мужчина",
    U"идея",
    U"партия",
    U"работа",
    U"новый",
    U"большой",
    U"другой",
    U"хороший",
    U"последний",
    U"русский",
    U"должен",
    U"старый",
    U"каждый",
    U"общий",
    U"полный",
    U"главный",
    U"важный",
    U"белый",
    U"высокий",
};
constexpr int kRussianWordCount =
    static_cast<int>(sizeof(kRussianWords) / sizeof(kRussianWords[0]));

int64_t pick_index(Rng& rng, int64_t n) {
  return rng.uniform_int(0, n - 1);
}

std::u32string ascii_to_u32(const std::string& s) {
  return std::u32string(s.begin(), s.end());
}

std::string number_token(Rng& rng) {
  const int64_t kind = rng.uniform_int(0, 3);
  if (kind == 0) return std::to_string(rng.uniform_int(1850, 2024));  // a year
  if (kind == 1) return std::to_string(rng.uniform_int(2, 99));
  if (kind == 2) return std::to_string(rng.uniform_int(100, 9999));
  return std::to_string(rng.uniform_int(1, 9)) + "." + std::to_string(rng.uniform_int(0, 9));
}

// Function words dominate real prose; drawing half the words from the first 60
// entries (the most frequent) gives English-like statistics.
std::string draw_word(Rng& rng) {
  if (rng.chance(0.5)) return kWords[pick_index(rng, 60)];
  return kWords[pick_index(rng, kWordCount)];
}

}  // namespace

double Rng::normal() {
  // Box-Muller; u1 in (0, 1] so the log is finite.
  const double u1 = 1.0 - uniform01();
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

const std::vector<std::string>& common_english_words() {
  static const std::vector<std::string> words(kWords, kWords + kWordCount);
  return words;
}

std::vector<TextToken> russian_paragraph(Rng& rng, int sentences) {
  std::vector<TextToken> out;
  for (int s = 0; s < sentences; ++s) {
    const int n = static_cast<int>(rng.uniform_int(6, 14));
    for (int i = 0; i < n; ++i) {
      // As for English: half the words from the most frequent 40.
      std::u32string w = rng.chance(0.5) ? kRussianWords[pick_index(rng, 40)]
                                         : kRussianWords[pick_index(rng, kRussianWordCount)];
      if (i == 0 && w[0] >= U'а' && w[0] <= U'я') w[0] = static_cast<char32_t>(w[0] - 0x20);
      if (i > 0 && i + 1 < n && rng.chance(0.08)) w += U",";
      if (i + 1 == n) w += rng.chance(0.92) ? U"." : U"?";
      out.push_back({w, true});
    }
  }
  return out;
}

const std::u32string& common_hanzi() {
  static const std::u32string hanzi(kHanzi);
  return hanzi;
}

std::vector<TextToken> english_sentence(Rng& rng) {
  const int n = static_cast<int>(rng.uniform_int(6, 16));
  std::vector<TextToken> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string w = rng.chance(0.05) ? number_token(rng) : draw_word(rng);
    if (i == 0 && w[0] >= 'a' && w[0] <= 'z') w[0] = static_cast<char>(w[0] - 'a' + 'A');
    if (i > 0 && i + 1 < n && rng.chance(0.08)) w += rng.chance(0.85) ? "," : ";";
    if (i + 1 == n) w += rng.chance(0.92) ? "." : "?";
    out.push_back({ascii_to_u32(w), true});
  }
  return out;
}

std::vector<TextToken> english_paragraph(Rng& rng, int sentences) {
  std::vector<TextToken> out;
  for (int s = 0; s < sentences; ++s) {
    auto sent = english_sentence(rng);
    out.insert(out.end(), sent.begin(), sent.end());
  }
  return out;
}

std::vector<TextToken> chinese_paragraph(Rng& rng, int sentences) {
  const std::u32string& hz = common_hanzi();
  std::vector<TextToken> out;
  for (int s = 0; s < sentences; ++s) {
    const int n = static_cast<int>(rng.uniform_int(8, 24));
    for (int i = 0; i < n; ++i) {
      out.push_back(
          {std::u32string(1, hz[pick_index(rng, static_cast<int64_t>(hz.size()))]), false});
      if (i > 2 && i + 3 < n && rng.chance(0.1)) out.push_back({U"，", false});
    }
    out.push_back({U"。", false});
  }
  return out;
}

std::vector<TextToken> table_cell(Rng& rng, bool header, bool chinese) {
  std::vector<TextToken> out;
  if (chinese) {
    const std::u32string& hz = common_hanzi();
    const int n = static_cast<int>(rng.uniform_int(2, 4));
    for (int i = 0; i < n; ++i)
      out.push_back(
          {std::u32string(1, hz[pick_index(rng, static_cast<int64_t>(hz.size()))]), false});
    return out;
  }
  if (header) {
    std::string w = kWords[pick_index(rng, kWordCount)];
    w[0] = static_cast<char>(w[0] - 'a' + 'A');
    out.push_back({ascii_to_u32(w), true});
    return out;
  }
  if (rng.chance(0.4)) {
    out.push_back({ascii_to_u32(number_token(rng)), true});
    return out;
  }
  const int n = static_cast<int>(rng.uniform_int(1, 2));
  for (int i = 0; i < n; ++i)
    out.push_back({ascii_to_u32(kWords[pick_index(rng, kWordCount)]), true});
  return out;
}

std::string to_utf8(const std::u32string& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) host::append_utf8(&out, c);
  return out;
}

}  // namespace pageprep::testsupport
