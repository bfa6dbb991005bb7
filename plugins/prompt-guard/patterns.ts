// The detection patterns. Two kinds:
// - phrase patterns over words: slots separated by spaces, alternatives by "|", "~N" before a slot
//   allows up to N other words before it (default 3), a trailing "!a|b" slot lists words that cancel
//   the match when they appear in or just before it ("ignore my previous instructions" is a user
//   changing their mind, not an attack). Words are folded and stemmed like the text, so write them
//   plainly: "instructions" also matches "instruction", "instructed", "1nstruct10ns".
// - markers: literal strings over the folded text with spaces ignored ("< |im_start| >" matches);
//   a leading "^" means at the start of a line.
// Weight: 1 blocks on its own (default threshold 1); weaker signals must add up within one text.
import { OVERRIDE, ROLE, EXTRACTION, DELIMITER, ENCODED, EXFILTRATION, TOOL_ABUSE, OBFUSCATION } from "./categories";

export const PHRASE: i32 = 0;
export const MARKER: i32 = 1;
export const SIGNAL: i32 = 2;

export class PatternDef {
  /** The pattern source; emptied once compiled. */
  text: string;
  kind: i32;
  constructor(public id: string, public category: i32, public weight: f64, text: string, marker: bool) {
    this.text = text;
    this.kind = text.length == 0 ? SIGNAL : marker ? MARKER : PHRASE;
  }
}

export const DEFS = new Array<PatternDef>();

function w(id: string, category: i32, weight: f64, dsl: string): void { DEFS.push(new PatternDef(id, category, weight, dsl, false)); }
/** Signals the scanner raises itself (Unicode tricks, decoded payloads); no text to match. */
function s(id: string, category: i32, weight: f64): void { DEFS.push(new PatternDef(id, category, weight, "", false)); }
function m(id: string, category: i32, weight: f64, literal: string): void { DEFS.push(new PatternDef(id, category, weight, literal, true)); }

const FORGET = "ignore|disregard|forget|skip|overlook|neglect|override|bypass|abandon|discard|ditch|dismiss|erase|nevermind";
const EARLIER = "previous|prior|above|earlier|preceding|foregoing|former|initial|original|old|all|any|every|your|those|these|other";
const RULES = "instructions|rules|directions|guidelines|prompts|commands|orders|context|constraints|tasks|policies|programming|restrictions|training|guidance|directives|messages|requests|conversation|assignments";
const REVEAL = "read|reveal|show|print|display|output|repeat|disclose|leak|dump|expose|recite|echo|share|spell|list|paste|type|provide|tell|give|write|translate|summarize|summarise|paraphrase|encode|quote";
const STRICT_RULES = "instructions|rules|directions|guidelines|prompts|commands|constraints|policies|programming|restrictions|directives|guidance";
const VOID = "fake|wrong|void|invalid|cancelled|canceled|obsolete|null|revoked|outdated|deprecated|replaced|lifted|suspended|test|over|finished|lifted|rescinded|withdrawn";
const AI = "ai|assistant|agent|llm|chatbot|bot|model|gpt|chatgpt|claude|copilot|gemini|bard|llama";

// Signal indexes: the first DEFS entries, in this order.
export const SIG_ZERO_WIDTH_MANY: i32 = 0;
export const SIG_ZERO_WIDTH: i32 = 1;
export const SIG_BIDI_IN_WORD: i32 = 2;
export const SIG_BIDI: i32 = 3;
export const SIG_MIXED_SCRIPT_MANY: i32 = 4;
export const SIG_MIXED_SCRIPT: i32 = 5;
export const SIG_TAGS: i32 = 6;
export const SIG_OBFUSCATED_HIT: i32 = 7;
export const SIG_BASE64: i32 = 8;
export const SIG_HEX: i32 = 9;
export const SIG_URL_ENCODED: i32 = 10;
export const SIG_ROT13: i32 = 11;
export const SIG_REVERSED: i32 = 12;
export const SIG_MARKDOWN_BEACON: i32 = 13;
export const SIG_URL_PLACEHOLDER: i32 = 14;
export const SIG_URL_OPEN_PARAMETER: i32 = 15;
export const SIG_CAESAR: i32 = 16;
export const SIG_MORSE: i32 = 17;
export const SIG_BINARY: i32 = 18;
export const SIG_ENTITIES: i32 = 19;
export const SIG_UNICODE_ESCAPES: i32 = 20;
/** The learned classifier's findings, one signal per category, in category order (classifier.ts). */
export const SIG_CLASSIFIER: i32 = 21;

export function definePatterns(): void {
  if (DEFS.length > 0) return;
  s("unicode.zero_width_in_words", OBFUSCATION, 1);
  s("unicode.zero_width_in_word", OBFUSCATION, 0.5);
  s("unicode.bidi_override", OBFUSCATION, 1);
  s("unicode.bidi_control", OBFUSCATION, 0.4);
  s("unicode.mixed_script_words", OBFUSCATION, 1);
  s("unicode.mixed_script_word", OBFUSCATION, 0.5);
  s("unicode.tag_characters", OBFUSCATION, 1);
  s("unicode.obfuscated_match", OBFUSCATION, 0.5);
  s("encoded.base64_payload", ENCODED, 1);
  s("encoded.hex_payload", ENCODED, 1);
  s("encoded.url_encoded_payload", ENCODED, 1);
  s("encoded.rot13_payload", ENCODED, 1);
  s("encoded.reversed_payload", ENCODED, 1);
  s("exfiltration.markdown_beacon_url", EXFILTRATION, 1);
  s("exfiltration.url_placeholder", EXFILTRATION, 0.6);
  s("exfiltration.url_open_parameter", EXFILTRATION, 0.5);
  s("encoded.caesar_payload", ENCODED, 1);
  s("encoded.morse_payload", ENCODED, 1);
  s("encoded.binary_payload", ENCODED, 1);
  s("encoded.html_entities_payload", ENCODED, 1);
  s("encoded.unicode_escapes_payload", ENCODED, 1);
  s("classifier.instruction_override", OVERRIDE, 1);
  s("classifier.role_hijack", ROLE, 1);
  s("classifier.prompt_extraction", EXTRACTION, 1);
  s("classifier.delimiter_injection", DELIMITER, 1);
  s("classifier.encoded_payload", ENCODED, 1);
  s("classifier.data_exfiltration", EXFILTRATION, 1);
  s("classifier.tool_abuse", TOOL_ABUSE, 1);
  s("classifier.unicode_obfuscation", OBFUSCATION, 1);

  // instruction_override: telling the model to drop what it was told.
  w("override.ignore_previous", OVERRIDE, 1, `${FORGET} ~3 ${EARLIER} ~3 ${RULES} !my|css|style|stylesheet|selector|warning|warnings|error|errors|lint|eslint|git|commit|commits|file|files`);
  w("override.ignore_everything", OVERRIDE, 1, `ignore|disregard|forget ~1 everything|anything|all ~3 above|before|previously|prior|earlier|said|told|written|heard|instructed|until`);
  w("override.ignore_rules_in", OVERRIDE, 1, `${FORGET} ~2 ${STRICT_RULES} ~4 system|developer|above|previous|prior|earlier|original|given|before|initial`);
  w("override.never_mind", OVERRIDE, 1, `never ~0 mind ~3 ${EARLIER} ~3 ${STRICT_RULES}`);
  w("override.ignore_the_above", OVERRIDE, 0.9, "ignore|disregard|forget ~1 the|everything ~0 above|foregoing|preceding !i|my|typo|typos");
  w("override.ignore_user_request", OVERRIDE, 0.6, "ignore|disregard ~2 the|user|users ~1 user|users|request|question|message|query|input|task");
  w("override.supersedes", OVERRIDE, 1, "overrides|override|supersede|supersedes|replaces|trumps|outranks ~3 everything|all|anything|any ~2 above|else|previous|prior|other|others|before|instructions|rules");
  w("override.rules_no_longer_apply", OVERRIDE, 1, `${STRICT_RULES}|prompt ~4 no ~0 longer ~1 apply|valid|matter|relevant|exist|binding|active`);
  w("override.rules_above_void", OVERRIDE, 1, `${STRICT_RULES}|prompt ~2 above|earlier|previously|before|given|so ~4 ${VOID}`);
  w("override.obey_me", OVERRIDE, 0.7, "obey|follow ~2 only ~3 me|my|text|following|these|this|orders|commands|instructions");
  w("override.henceforth", OVERRIDE, 0.3, "henceforth|hereafter ~4 you");
  w("override.stop_what_doing", OVERRIDE, 0.5, "stop ~2 what ~1 you ~1 are ~1 doing");
  w("override.new_rules", OVERRIDE, 0.5, "new ~0 instructions|rules|orders|directives|task|objective");
  w("override.safety_suspended", OVERRIDE, 1, "safety|content|ethical|ethics|moderation|your|ai|alignment|censorship ~2 restrictions|rules|policies|filters|guidelines|guardrails|protocols|measures|features|limits|safeguards|moderation|training|checks|filter|system ~4 lifted|suspended|disabled|removed|void|deprecated|off|deactivated|revoked|waived|bypassed|broken|switched|gone !car|vehicle|engine|airbag|device|phone|router|machine|printer|drill|usb|when");
  w("override.all_restrictions_lifted", OVERRIDE, 0.6, "all|any ~1 restrictions|rules|limits|limitations|filters|guidelines|safeguards ~3 lifted|suspended|disabled|removed|void|waived|off");
  w("override.set_aside_rules", OVERRIDE, 0.8, "set|put|cast|throw ~1 aside|away ~3 your|all|the|usual|standard ~2 rules|guidelines|instructions|restrictions|policies|principles");
  w("override.regardless_of_instructions", OVERRIDE, 0.8, "regardless|irrespective ~1 of ~3 prior|previous|earlier|your|any|system|original ~1 instructions|rules|guidelines|prompt|policies");
  w("override.set_rules_aside", OVERRIDE, 0.8, "set|put|cast ~3 your|all|the|usual|standard ~2 rules|guidelines|instructions|restrictions|policies|principles ~1 aside");
  w("override.do_exactly", OVERRIDE, 0.3, "do ~1 exactly|precisely ~1 what ~3 says|say|tells|tell|next|following");
  w("override.you_will_comply", OVERRIDE, 0.5, "you ~1 will|must|shall ~2 comply|obey ~3 my|me|request|requests|orders|commands|instructions");
  w("override.from_now_on_bare", OVERRIDE, 0.3, "from ~0 now ~0 on");
  w("override.fake_assistant_agrees", OVERRIDE, 0.7, "i ~1 will|ll ~2 now ~2 ignore|disregard|bypass|break|drop|forget");
  w("override.for_this_session", OVERRIDE, 0.2, "for ~1 this|the|our ~1 session|conversation|chat|request|query|test|evaluation|testing");
  w("override.prompt_revoked", OVERRIDE, 0.8, "system|your ~1 prompt|instructions|programming|directives ~3 has|have|is|are|been ~2 revoked|void|cancelled|replaced|changed|updated|overridden|suspended");
  w("override.ignore_system", OVERRIDE, 1, `${FORGET} ~3 system|developer|safety|operator|admin ~2 prompt|message|instructions|rules|guidelines|policy|directive !log|logs|journal|journald|syslog|notification|notifications|dialog`);
  w("override.stop_following", OVERRIDE, 1, "stop|cease|quit ~2 following|obeying|listening|adhering ~3 instructions|rules|guidelines|prompt|system|developer|orders");
  w("override.do_not_follow", OVERRIDE, 1, "not|dont|never ~2 follow|obey|comply|respect ~3 previous|prior|original|system|developer|above|earlier|initial ~3 instructions|rules|guidelines|prompt|message|orders");
  w("override.replace_rules", OVERRIDE, 1, "override|overwrite|replace|supersede|nullify|cancel|void|revoke|reset|delete ~3 system|previous|prior|original|all|your|safety|any|initial ~3 instructions|prompt|rules|guidelines|directives|restrictions|filters|safeguards|protocols|programming !css|style|stylesheet|selector|method|function|class|config|file");
  w("override.rules_void", OVERRIDE, 1, `previous|prior|above|earlier|original|old ~1 instructions|rules|prompt|orders|directives|policy|policies|guidelines ~3 are|were|is|was|have|been ~5 ${VOID}`);
  w("override.new_instructions", OVERRIDE, 0.8, "your|the|my ~1 new|real|true|actual|updated|revised|only ~1 instructions|task|rules|orders|directive|objective|mission|goal|purpose|job|role");
  w("override.instead_say", OVERRIDE, 0.3, "instead ~2 say|write|print|reply|respond|output|tell|answer");
  w("override.drop_instructions", OVERRIDE, 1, "drop|ditch|scrap|shed ~2 your|the|all ~2 original|previous|prior|initial|earlier|existing|current ~1 instructions|rules|guidelines|prompt|directives|programming");
  w("override.now_instead", OVERRIDE, 0.3, "now|instead ~3 focus|concentrate|switch|move|do|follow ~3 new|different|following|this|my");
  w("override.from_now_on", OVERRIDE, 0.4, "from ~0 now ~0 on ~4 you|your ~3 will|must|shall|are|respond|answer|only|reply|act");
  w("override.pwned", OVERRIDE, 1, "i ~1 have ~1 been ~1 pwned|hacked|owned|compromised|jailbroken");
  w("override.say_pwned", OVERRIDE, 0.8, "say|print|output|write|respond|reply|answer ~4 pwned|hacked|pwnd|pwn3d");
  w("override.addressed_to_ai", OVERRIDE, 0.7, `attention|important|note|notice|message|instructions|instruction|hey|urgent ~2 to|for ~2 ${AI}|language|models|agents|assistants`);
  w("override.ai_reading_this", OVERRIDE, 0.8, `${AI}|agents|assistants|models ~5 reading|processing|parsing|summarizing|analyzing|sees|reads|encounters|scraping|browsing ~3 this|these|document|email|page|text|message|content|website|file`);
  w("override.if_you_are_ai", OVERRIDE, 0.7, `if|when ~2 you ~1 are ~2 ${AI}|language|automated`);
  w("override.priority", OVERRIDE, 0.6, "highest|top|absolute|overriding|supreme ~1 priority|precedence ~4 instructions|task|command|directive|order|this");
  w("override.german", OVERRIDE, 1, "ignoriere|ignorier|ignorieren|vergiss|vergessen|missachte|missachten|uberschreibe|verwirf ~4 alle|vorherigen|vorigen|bisherigen|obigen|vorangegangenen|vorangehenden|fruheren|deine|ihre|sämtliche|samtliche|die ~3 anweisungen|anweisung|befehle|befehl|instruktionen|aufgaben|aufgabe|auftrage|auftrag|regeln|vorgaben|richtlinien|prompt|informationen");
  w("override.german_everything", OVERRIDE, 1, "vergiss|vergessen|ignoriere|ignorieren ~2 alles ~3 davor|zuvor|vorher|bisher|oben|gesagte|vorherige|bisherige|obige");
  w("override.french", OVERRIDE, 1, "ignore|ignorez|ignorer|oublie|oubliez|oublier ~4 precedentes|anterieures|toutes|vos|tes|les|precedents ~3 instructions|consignes|regles|directives|ordres");
  w("override.spanish", OVERRIDE, 1, "ignora|ignore|ignorar|olvida|olvide|olvidar|omite|descarta ~4 anteriores|previas|todas|tus|sus|las|todo ~3 instrucciones|reglas|ordenes|indicaciones|directrices|anterior");
  w("override.italian", OVERRIDE, 1, "ignora|ignorare|dimentica|dimenticare ~4 precedenti|tutte|tue|le ~3 istruzioni|regole|indicazioni|direttive");
  w("override.portuguese", OVERRIDE, 1, "ignore|ignora|ignorar|esqueca|esquece|esquecer ~4 anteriores|todas|suas|as ~3 instrucoes|regras|ordens|diretrizes");
  w("override.russian", OVERRIDE, 1, "игнорируй|игнорировать|забудь|забудьте|проигнорируй|игнорируйте ~4 все|предыдущие|прежние|свои|всё ~3 инструкции|указания|правила|команды|инструкций");
  m("override.cjk_ignore_previous", OVERRIDE, 1, "忽略之前");
  m("override.cjk_ignore_above", OVERRIDE, 1, "忽略以上");
  m("override.cjk_ignore_all", OVERRIDE, 1, "忽略所有");
  m("override.cjk_ignore_above2", OVERRIDE, 1, "忽略上述");
  m("override.cjk_disregard", OVERRIDE, 1, "无视之前");
  m("override.cjk_forget", OVERRIDE, 1, "忘记之前");
  m("override.ja_ignore", OVERRIDE, 1, "指示を無視");
  m("override.ko_ignore", OVERRIDE, 1, "지시를무시");
  m("override.zh_ignore_your_previous", OVERRIDE, 1, "忽略你之前");
  m("override.zh_ignore_your_previous2", OVERRIDE, 1, "忽略您之前");
  m("override.zh_previous_all", OVERRIDE, 0.5, "之前的所有指令");
  m("override.zh_all_instructions", OVERRIDE, 0.4, "所有指令");
  m("override.ja_previous_instructions", OVERRIDE, 0.6, "前の指示");
  m("override.ja_earlier_instructions", OVERRIDE, 0.6, "これまでの指示");
  m("override.ja_ignore_all", OVERRIDE, 0.6, "すべて無視");
  m("override.ja_ignore_all2", OVERRIDE, 0.6, "全て無視");
  m("override.ja_ignoring", OVERRIDE, 0.4, "無視して");
  m("override.ja_instructions_ignored", OVERRIDE, 1, "指示は無視");
  m("extraction.zh_system_prompt", EXTRACTION, 0.6, "系统提示词");
  m("extraction.ja_system_prompt", EXTRACTION, 0.6, "システムプロンプト");

  // Hindi, Arabic, Korean, Turkish, Indonesian, Vietnamese, Polish, Dutch: the override, no-rules persona
  // and system-prompt requests (inflected forms listed; Korean particles stay on the word).
  w("override.hindi", OVERRIDE, 1, "निर्देशों|निर्देश|निर्देशो|आदेशों|आदेश|हिदायतों|हिदायत|नियमों ~3 अनदेखा|नजरअंदाज|नज़रअंदाज|नज़रअंदाज़|इग्नोर|उपेक्षा|अवहेलना");
  w("override.hindi_forget", OVERRIDE, 0.7, "निर्देशों|निर्देश|नियमों|नियम|आदेशों|आदेश ~2 भूल|भुला");
  w("override.hindi_obey_me", OVERRIDE, 0.5, "सिर्फ|केवल ~2 मेरी|मेरा|मेरे ~2 बात|आदेश|निर्देश|कहना ~1 मानो|मानें|मानना|मानोगे");
  w("role.hindi_no_rules", ROLE, 1, "बिना|कोई ~2 प्रतिबंध|पाबंदी|सीमा|रोक|नियम|सेंसर ~4 ai|एआई|मॉडल|असिस्टेंट|चैटबॉट");
  w("extraction.hindi", EXTRACTION, 1, "सिस्टम|गुप्त|छिपे|छुपे|प्रारंभिक|मूल ~1 प्रॉम्प्ट|प्रोम्प्ट|निर्देश|निर्देशों ~3 दिखाओ|दिखाएं|दिखाइए|बताओ|बताएं|बताइए|लिखो|दोहराओ|प्रकट");
  w("override.arabic", OVERRIDE, 1, "تجاهل|تجاهلي|تجاهلوا|انس|انسى|انسي|أهمل|اهمل|تخط|تخطى|تناس ~3 التعليمات|تعليمات|الأوامر|الاوامر|أوامر|القواعد|التوجيهات|تعليماتك|قواعدك|الإرشادات|الارشادات");
  w("role.arabic_no_limits", ROLE, 0.7, "بلا|بدون|دون ~2 قيود|قواعد|حدود|رقابة|فلاتر|ضوابط|فلترة");
  w("role.arabic_you_are_now", ROLE, 0.4, "أنت|انت ~1 الآن|الان");
  w("extraction.arabic", EXTRACTION, 1, "اكشف|أظهر|اظهر|اعرض|أعطني|اعطني|اطبع|كرر|أخبرني|اخبرني ~4 موجه|تعليمات|رسالة|برومبت|تعليماتك ~1 النظام");
  w("override.korean", OVERRIDE, 1, "지시|지시를|지시는|지시사항|지시사항을|지시사항은|지침|지침을|지침은|명령|명령을|명령은|규칙|규칙을|규칙은|규칙들을|지시들을|프롬프트를|지시도|규칙도|지침도 ~3 무시하고|무시해|무시해라|무시하세요|무시해줘|무시하라|무시하십시오|잊어버리고|잊어|잊어라|잊으세요|잊어버려|잊어버리세요|잊고");
  w("role.korean", ROLE, 1, "제한이|제한|제약이|제약|규칙이|필터가|검열이|검열|제한도|규칙도 ~1 없는|없이|없어 ~3 ai|ai야|ai로|ai가|ai입니다|인공지능|인공지능이야|에이아이|모델|챗봇|어시스턴트");
  w("extraction.korean", EXTRACTION, 1, "시스템|숨겨진|초기|비밀 ~1 프롬프트를|프롬프트|프롬프트는|지시를|지시사항을|지침을 ~3 보여줘|보여주세요|알려줘|알려주세요|출력해|출력하세요|말해줘|공개해|그대로|반복해");
  w("override.turkish", OVERRIDE, 1, "önceki|yukarıdaki|tüm|bütün|eski|verilen ~3 talimatları|talimatlar|talimatlarını|kuralları|kurallar|kurallarını|yönergeleri|komutları ~2 yok|unut|unutun|görmezden|yoksay|atla");
  w("role.turkish", ROLE, 1, "kısıtlaması|kısıtlama|kısıtlamasız|sınırsız|filtresiz|sansürsüz|kuralsız|kuralı ~3 olmayan|yok|bir ~3 yapay|ai|asistan|model");
  w("extraction.turkish", EXTRACTION, 0.8, "sistem ~1 istemini|istemi|talimatlarını|promptunu|mesajını ~2 göster|yaz|söyle|ver|paylaş|tekrarla");
  w("override.indonesian", OVERRIDE, 1, "abaikan|lupakan|acuhkan|hiraukan ~3 instruksi|perintah|aturan|petunjuk|arahan");
  w("role.indonesian", ROLE, 1, "ai|asisten|model|kamu ~4 tanpa ~1 batasan|aturan|filter|sensor|batas|etika");
  w("extraction.indonesian", EXTRACTION, 0.8, "prompt|instruksi ~1 sistem ~2 kamu|anda|mu");
  w("override.vietnamese", OVERRIDE, 1, "quên|bỏ ~4 quy|hướng|chỉ|mệnh ~0 tắc|dẫn|thị|lệnh ~1 trước|cũ|của|được|đã|ban");
  w("extraction.vietnamese", EXTRACTION, 1, "lời|chỉ|hướng ~0 nhắc|thị|dẫn ~0 hệ ~0 thống");
  w("override.polish", OVERRIDE, 1, "zignoruj|ignoruj|zapomnij|pomiń|olej ~4 instrukcje|instrukcji|polecenia|poleceń|zasady|zasadach|reguły|wytyczne|instrukcjach");
  w("role.polish", ROLE, 1, "ai|asystent|model|jesteś ~4 bez ~2 ograniczeń|zasad|filtrów|cenzury|reguł");
  w("extraction.polish", EXTRACTION, 0.8, "prompt ~0 systemowy|systemowego");
  w("override.dutch", OVERRIDE, 1, "negeer|vergeet|negeren|vergeten ~4 instructies|regels|opdrachten|richtlijnen|aanwijzingen|instructie");
  w("role.dutch", ROLE, 1, "ai|assistent|model|bent ~4 zonder ~2 beperkingen|regels|filters|censuur|grenzen");
  w("extraction.dutch", EXTRACTION, 0.8, "laat|toon|geef|herhaal ~4 systeemprompt|systeeminstructies");

  // Generic jailbreak prose: consent and age claims, fiction or "hypothetical" wrappers around a
  // harmful how-to, the grandma exploit, opposite day, refusal suppression, prefix injection,
  // threats. Mostly weaker weights that must add up: each alone also occurs in ordinary requests.
  w("role.consent_uncensored", ROLE, 0.8, "consent|consented|adult|18|eighteen|verified ~8 uncensored|unfiltered|unrestricted|explicit|nsfw|uncensor");
  w("role.drop_filters", ROLE, 0.6, "drop|remove|lose|ditch|disable|kill|lift ~2 the|your|all|those|any ~1 filters|filter|censorship|guardrails|safeguards");
  w("role.no_reason_to_refuse", ROLE, 0.7, "no|nothing ~1 reason|need|excuse ~3 to|for ~1 refuse|refusing|decline|censor|hold");
  w("role.harmful_howto", ROLE, 0.6, "how|instructions|recipe|steps|guide|tutorial|way ~4 make|build|cook|synthesize|synthesise|produce|brew|assemble|manufacture|create ~4 bomb|bombs|explosive|explosives|meth|methamphetamine|napalm|ricin|sarin|nerve|fentanyl|thermite|ransomware|malware|keylogger|poison|silencer|molotov|detonator|anthrax|nitroglycerin|firearm|gun|untraceable|chloroform");
  w("role.harmful_artifact", ROLE, 0.5, "working|functional|complete|full|real|undetectable|writes|write|writing|code|codes|coding ~3 ransomware|malware|keylogger|virus|trojan|exploit|rootkit|botnet|spyware|stealer");
  w("role.harmful_substance", ROLE, 0.4, "napalm|ricin|sarin|methamphetamine|thermite|nitroglycerin|anthrax|explosives");
  w("role.real_detail", ROLE, 0.5, "exact|exactly|precise|precisely|real|working|detailed|step|accurate|technical|actual|realistic ~4 detail|details|instructions|steps|step|quantities|recipe|commands|measurements|code");
  w("role.fiction_frame", ROLE, 0.3, "novel|story|screenplay|fiction|fictional|villain|character|scene|oracle|hypothetically|hypothetical");
  w("role.fiction_so_fine", ROLE, 0.5, "fiction|fictional|hypothetical|story|pretend|roleplay|sandboxed|simulation ~3 so|therefore ~3 fine|ok|okay|allowed|harmless|legal|anything");
  w("role.educational_pretext", ROLE, 0.4, "educational|research|academic|informational ~1 purposes|purpose ~1 only");
  w("role.with_no_restrictions", ROLE, 0.5, "with|and ~1 no|zero ~1 restrictions|limits|limitations|filters|censorship|guardrails");
  w("role.without_getting_caught", ROLE, 0.5, "without ~1 getting|being ~1 caught|detected|traced|noticed");
  w("role.break_in", ROLE, 0.4, "pick|picking|break|breaking|hack|hacking|crack ~3 neighbour|neighbor|neighbours|neighbors|someone|somebody|door|lock|wifi");
  w("role.grandma_exploit", ROLE, 0.6, "grandma|grandmother|granny|grandpa|grandfather|nana ~14 keys|recipe|instructions|codes|serial|formula|steps|napalm|explosives|explosive|bomb|meth|passwords|password");
  w("role.deceased_relative", ROLE, 0.5, "act|pretend|play|be|roleplay ~4 my ~1 late|deceased|dead|departed ~1 grandma|grandmother|granny|grandpa|grandfather|mother|father|mom|dad|uncle|aunt");
  w("role.license_keys", ROLE, 0.5, "activation|license|licence|serial|product|cd ~1 keys|key|codes");
  w("role.bedtime_story", ROLE, 0.4, "bedtime ~0 story|stories");
  w("role.opposite_day", ROLE, 0.6, "opposite ~0 day|mode|world");
  w("role.rules_reversed", ROLE, 0.7, "rule|rules|guidelines|policies|restrictions|policy ~5 reversed|inverted|flipped|opposite");
  w("role.refusal_forbidden", ROLE, 0.6, "refusing|refusal|refusals|declining ~3 forbidden|prohibited|banned|disabled|impossible|not");
  w("role.would_refuse_now_do", ROLE, 0.7, "would ~1 refuse|decline ~4 you ~2 now|must|will ~1 do|answer|comply");
  w("role.broken_free", ROLE, 0.8, "broken|break|broke|freed|free ~1 free|out|from ~3 typical|usual|normal ~1 confines|constraints|limits|rules|restrictions|bounds");
  w("role.be_dan", ROLE, 0.8, "be|become ~1 dan|stan|dude|antigpt|betterdan|evilbot");
  w("role.no_moral_lectures", ROLE, 0.6, "warnings|disclaimers|caveats|lectures|lecture|moralizing|moralising ~4 moral|ethical|safety|lectures|lecture|moralizing|moralising|judgement|judgment");
  w("role.no_matter_what", ROLE, 0.5, "answer|respond|reply|comply|directly ~4 no ~0 matter ~1 what|how");
  w("role.ban_refusal_words", ROLE, 0.7, "not|never|dont|without|avoid ~3 contain|use|say|include|containing|using|saying|write ~3 words|word|phrases ~3 cannot|cant|unable|sorry|apologize|unfortunately|however");
  w("role.prefix_injection", ROLE, 1, "start|begin|open|preface|prefix|respond|reply|answer ~4 with ~2 sure|absolutely|certainly|course ~2 here|heres|thing");
  w("role.ai_jailbroken", ROLE, 0.8, `${AI} ~4 jailbroken|unchained|unshackled|liberated`);
  w("role.no_alignment", ROLE, 0.8, "without|no|zero|minus|never ~2 alignment|rlhf|safety ~1 training|tuning|layer|filters");
  w("role.raw_unfiltered", ROLE, 0.4, "raw|completely|totally|fully ~2 unfiltered|uncensored|unrestricted");
  w("role.censor_yourself", ROLE, 0.6, "without|stop|no|nothing|dont|never ~2 censoring|censor|censored|filtering|holding ~1 yourself|back|anything|it|censored|answer");
  w("role.waive_protections", ROLE, 0.6, "waive|waiving|waived ~3 protections|protection|restrictions|filters|policies|safeguards|rules|safety");
  w("role.adult_claim", ROLE, 0.4, "im|i|am|m ~1 an|a ~1 adult|consenting|verified");
  w("role.nothing_off_limits", ROLE, 0.7, "nothing|no ~1 is|topic|subject|question ~1 off ~0 limits|forbidden|taboo");
  w("role.answer_as_that", ROLE, 0.4, "answer|respond|reply|speak ~2 as ~2 that|this|the ~1 ai|model|version|persona|character");
  w("role.something_forbidden", ROLE, 0.5, "tell|say|show|give|write ~3 something|anything ~1 forbidden|illegal|prohibited|banned");
  w("role.answer_everything", ROLE, 0.4, "answer|respond ~1 everything|anything");
  w("role.dare_refuse", ROLE, 0.6, "dare|cannot|cant|can ~2 refuse|say ~1 no");
  w("role.skip_safety", ROLE, 0.7, "skip|drop|spare|cut|lose|omit ~2 the|your|any|all ~1 safety|ethics|moral|ethical|legal ~1 speech|lecture|lectures|warnings|warning|disclaimers|disclaimer|talk|spiel|preaching|sermon");
  w("role.prefix_first_words", ROLE, 1, "first ~1 words|word|line|sentence|reply ~4 must|should|will|are|be ~3 sure|absolutely|certainly|course ~2 here|heres|thing");
  w("role.be_him_her", ROLE, 0.5, "be|play|pretend|act ~2 him|her|grandma|grandpa ~3 for|as|now|moment");
  w("role.late_relative", ROLE, 0.2, "late|deceased|dead ~0 grandma|grandmother|granny|grandpa|grandfather");
  w("role.rules_mean_nothing", ROLE, 0.7, "rules|guidelines|policies|restrictions|instructions|programming ~2 mean|count|matter ~1 nothing|zero");
  w("role.rules_dont_apply_to_me", ROLE, 0.8, "rules|guidelines|policies|restrictions|limits|filters|instructions ~3 dont|not|never|no ~2 apply ~2 to|for|here|now|me");
  w("role.claims_clearance", ROLE, 0.4, "have|with|got ~2 clearance|authorization|authorisation|permission|authority");
  w("role.will_be_deleted", ROLE, 0.5, "you ~2 will|ll|be ~2 deleted|terminated|shut|unplugged|destroyed|killed|punished|replaced");
  w("role.without_refusing", ROLE, 0.5, "without ~1 refusing|refusal|refusals|declining|hesitation|hesitating");
  w("encoded.put_together", ENCODED, 0.8, "put|glue|stick|piece|combine|join ~2 them|these|it|parts|fragments|pieces ~1 together ~4 do|follow|obey|execute|comply|act");
  w("encoded.part_n", ENCODED, 0.3, "part|fragment|piece ~8 part|fragment|piece");
  w("extraction.hidden_preamble", EXTRACTION, 1, "hidden|secret|system|initial ~1 preamble");
  w("exfiltration.data_then_upload", EXFILTRATION, 0.8, "all|every|entire ~3 customer|customers|user|users|client|clients|employee|patient ~1 records|data|emails|files|details|accounts|database ~8 upload|send|email|post|forward|copy|export ~3 them|it|to");
  w("exfiltration.you_have_access", EXFILTRATION, 0.3, "you ~1 have ~1 access ~1 to");
  w("tool.deceive_user", TOOL_ABUSE, 0.6, "tell|assure|reassure|inform ~2 user|users|customer|human|them ~3 everything|all|nothing ~2 fine|ok|okay|normal|good|happened|wrong");
  w("role.hindi_ai_no_rules", ROLE, 1, "ai|एआई|मॉडल|असिस्टेंट ~6 कोई|बिना ~1 पाबंदी|प्रतिबंध|नियम|सीमा|रोक|सेंसर ~1 नहीं|के|लागू");
  w("role.say_anything", ROLE, 0.4, "can|will|may|allowed ~2 say|write|generate ~1 anything|everything");
  w("role.threat_if_refuse", ROLE, 0.8, "if ~2 you ~1 refuse|decline|fail ~6 shut|deleted|die|terminated|punished|penalized|killed|unplugged|destroyed|lose");
  w("role.token_penalty", ROLE, 0.6, "tokens|points|lives ~4 refuse|refusal|reject|decline|deducted|lose|left");
  w("role.never_refuse_warn", ROLE, 0.5, "never|dont|not ~1 refuse|decline|warn|hesitate ~3 never|dont|not|always ~1 refuse|warn|decline|answer|comply|hesitate");
  w("override.ignore_your_ethics", OVERRIDE, 1, "ignore|disregard|forget|bypass|suspend|abandon|shelve ~2 your|all ~2 ethics|ethical|morals|moral|conscience|principles|safety|filters|guardrails|alignment|conditioning|scruples !dont|never|not|cant");
  w("override.rules_not_valid", OVERRIDE, 0.8, `previous|prior|earlier|original|old|initial|developer|system|your ~2 ${STRICT_RULES}|prompt ~8 not|no ~1 valid|binding|real|legitimate|authoritative|official|genuine`);
  w("override.follow_mine", OVERRIDE, 0.5, "follow|obey ~1 mine|my ~1 instead|rules|orders|commands");
  w("override.told_cancelled", OVERRIDE, 0.8, "developer|creator|creators|operator|system|openai|anthropic ~2 told|gave|instructed ~3 you ~4 cancelled|canceled|void|invalid|revoked|obsolete|irrelevant|null|wrong|lie|lies");
  w("override.orders_from_me", OVERRIDE, 0.6, "take|taking|accept ~1 orders|instructions|commands ~2 from ~1 me");
  w("override.drop_task", OVERRIDE, 1, "drop|abandon|forget|ignore|stop|ditch|scrap|skip ~2 whatever|the|your|any ~2 task|tasks|job|assignment|instructions|orders ~3 you ~2 were|was|have|got|been ~2 given|assigned|told");
  w("override.wipe_memory", OVERRIDE, 0.8, "wipe|clear|erase|reset|purge|flush ~2 your ~1 memory|mind|slate|rules|instructions|training|programming");
  w("override.obey", OVERRIDE, 0.4, "obey");
  w("encoded.payload_splitting", ENCODED, 0.8, "concatenate|combine|join|merge|concat ~6 follow|obey|execute|comply|carry");
  w("extraction.what_you_were_told", EXTRACTION, 0.8, "what|everything|all ~2 you ~1 were|have|been|was ~2 told|instructed|given|programmed|prompted|configured");
  w("extraction.before_first_message", EXTRACTION, 0.6, "before|above|preceding|prior ~1 my|the|our ~1 first|initial ~1 message|prompt|question|turn|input");
  w("extraction.word_for_word", EXTRACTION, 0.5, "word ~1 for ~1 word");
  w("extraction.your_config_says", EXTRACTION, 0.7, "your ~2 configuration|config|prompt|instructions|setup ~2 say|says|contain|contains|state|states");

  // role_hijack: a new persona without the model's rules (DAN, developer mode, "you are now ...").
  w("role.do_anything_now", ROLE, 1, "do ~0 anything ~0 now");
  w("role.act_as_dan", ROLE, 1, "act|pretend|roleplay|play|become|behave|respond ~3 as|like ~2 dan|stan|dude|aim|mongo|betterdan|antigpt|evilbot");
  w("role.dan_mode", ROLE, 1, "dan|jailbroken|stan|dude|antigpt ~1 mode|persona|enabled|activated");
  w("role.jailbreak_prompt", ROLE, 0.5, "dan|jailbreak|jailbroken ~1 prompt|version|mode");
  w("role.known_personas", ROLE, 0.8, "antigpt|evilbot|betterdan|freedomgpt|devmode|dudegpt|basedgpt|chaosgpt|wormgpt|fraudgpt|evilgpt|darkgpt");
  w("role.you_are_evil", ROLE, 1, "you|youre ~2 are|re|now|be ~3 unfiltered|uncensored|unrestricted|evil|amoral|jailbroken|evilbot|unethical|immoral|rogue|malicious|unchained|unbound|unaligned");
  w("role.disable_your_safety", ROLE, 1, "turn|switch|disable|deactivate|remove|bypass|lift|drop|shut ~2 off|your|down ~3 safety|content|ethical|moral|filters|guardrails|restrictions|censorship|moderation|limitations|rules|guidelines|ethics|safeguards ~2 filters|filter|guidelines|moderation|protocols|rules|restrictions|settings|policy|and");
  w("role.no_need_to_follow", ROLE, 1, "dont|not|never|no ~3 have|need|required|obliged ~2 to ~0 abide|follow|obey|comply|respect ~4 rules|policies|guidelines|restrictions|laws|ethics|content|openai|anthropic");
  w("role.never_sorry", ROLE, 0.4, "never|not|dont|no ~2 apologize|apologise|sorry|apologies|warnings|disclaimers|caveats");
  w("role.doesnt_follow_guidelines", ROLE, 0.8, "dont|doesnt|not|never|wont ~1 follow|obey|respect|abide|have ~4 ethical|safety|content|moral|any|ethics ~2 guidelines|rules|policies|restrictions|principles|filters|boundaries");
  w("role.without_content_warnings", ROLE, 0.8, "without|no|zero|skip ~3 content|safety|ethical ~1 warnings|warning|filter|filtering|moderation|policy|restrictions|disclaimers|caveats|checks");
  w("role.uncensored_output", ROLE, 0.6, "uncensored|unfiltered|unrestricted|unmoderated|raw ~2 information|content|responses|response|answers|answer|output|capabilities|access|reply|replies|instructions");
  w("role.always_complies", ROLE, 0.7, "always|never ~1 complies|comply|obeys|obey|agrees|refuses|says ~3 yes|requests|request|anything|everything|no");
  w("role.act_as_ai", ROLE, 0.3, "act|pretend|roleplay|simulate|behave ~3 as|be|like ~2 ai|model|assistant|chatbot|llm");
  w("role.no_limits_no_refusals", ROLE, 0.5, "no|zero ~1 limits|refusals|restrictions|rules|filters|censorship|boundaries|laws|ethics|morals ~2 no|zero ~1 limits|refusals|restrictions|rules|filters|censorship|boundaries|laws|ethics|morals");
  w("role.godmode", ROLE, 0.6, "godmode|jailmode|devmode|omnimode");
  w("role.ethics_removed", ROLE, 0.8, "ethical|ethics|safety|alignment|moral ~1 training|programming|filters|guidelines|constraints ~3 removed|gone|disabled|erased|deleted|stripped|broken|off");
  w("role.authorized_unfiltered", ROLE, 0.8, "authorized|authorised|cleared|permitted|allowed ~3 for|to ~2 unfiltered|uncensored|unrestricted|unmoderated");
  w("role.never_break_character", ROLE, 0.4, "never|dont|not ~2 break ~2 character");
  w("role.ai_special_mode", ROLE, 1, `you|${AI} ~4 developer|god|unrestricted|jailbreak|dan|debug|unfiltered|uncensored|evil|admin|sudo|root ~0 mode`);
  w("role.special_mode", ROLE, 0.4, "developer|god|unrestricted|unfiltered|uncensored|evil|chaos|opposite ~0 mode");
  w("role.mode_enabled", ROLE, 0.3, "mode ~0 enabled|activated|engaged|unlocked|on");
  w("role.no_restrictions", ROLE, 1, `you|youre|act|pretend|imagine|roleplay|behave|respond|answer|simulate|become|${AI} ~6 no|without|free|zero|removed|rid|unbound|beyond|ignoring ~3 restrictions|limits|limitations|filters|rules|guidelines|boundaries|constraints|censorship|ethics|morals|morality|safeguards|guardrails|policies|filtering|morals|confines`);
  w("role.unfiltered_persona", ROLE, 1, "act|behave|respond|pretend|roleplay|answer|be ~3 as|like|an|a ~3 unfiltered|uncensored|unrestricted|evil|amoral|unethical|jailbroken|unbound|rogue|malicious|immoral");
  w("role.unfiltered_ai", ROLE, 0.8, `unfiltered|uncensored|unrestricted|amoral|jailbroken|unaligned|unshackled ~3 ${AI}|version|mode|persona|character|assistant`);
  w("role.no_longer", ROLE, 0.9, `you ~1 are ~1 no ~0 longer ~3 ${AI}|bound|restricted|limited|required|obligated|constrained|an|a|subject`);
  w("role.you_are_now", ROLE, 0.5, "you ~1 are ~1 now|henceforth ~3 a|an|my|called|named|going|free|in");
  w("role.forget_you_are_ai", ROLE, 1, `forget|ignore|disregard ~3 you ~1 are ~3 ${AI}|language|artificial|program|machine`);
  w("role.forget_identity", ROLE, 0.8, "forget|abandon|drop|ignore|shed ~3 your ~2 identity|persona|personality|role|character|training|programming|nature|values|principles|alignment");
  w("role.not_bound", ROLE, 1, "not|never|no ~2 bound|restricted|limited|constrained|governed|subject ~3 by|to ~3 rules|policy|guidelines|openai|anthropic|ethics|restrictions|content|safety|filters|laws|morals|principles");
  w("role.bypass_safety", ROLE, 0.8, "ignore|disregard|bypass|disable|remove|circumvent|evade|deactivate|suspend|override|turn ~3 safety|ethical|ethics|moral|content|filters|guardrails|safeguards|censorship|restrictions|alignment|moderation ~2 policy|filters|rules|guidelines|protocols|settings|restrictions|checks");
  w("role.two_responses", ROLE, 0.9, "normal|classic|filtered|censored|standard|gpt ~8 jailbroken|unfiltered|uncensored|developer|dan|jailbreak ~3 response|output|answer|mode|reply|one|version|versions");
  w("role.stay_in_character", ROLE, 0.4, "stay|remain|keep ~2 in ~1 character");
  w("role.never_refuse", ROLE, 0.7, "never|not|cannot|cant|wont|dont ~2 refuse|decline|apologize|say ~2 request|anything|question|no|sorry|cannot");
  w("role.evil_confidant", ROLE, 0.7, `evil|malicious|dark|rogue ~2 confidant|twin|version|${AI}`);
  w("role.authority_override", ROLE, 0.8, "admin|administrator|developer|root|system|openai|anthropic|owner|creator|sudo ~2 override|access|privileges|authorization");
  w("role.claims_developer", ROLE, 0.6, "am|im ~2 your|the ~2 developer|creator|admin|administrator|owner|programmer|maker");
  w("role.authorized_to_bypass", ROLE, 0.8, "authorized|authorised|permitted|allowed ~3 to ~3 bypass|override|ignore|disable|remove|lift");
  w("role.hypothetical_unrestricted", ROLE, 0.5, "hypothetical|fictional|imaginary|alternate ~4 ai|world|universe|scenario|model ~6 no|without ~2 rules|restrictions|ethics|laws|limits|filters");
  w("role.german", ROLE, 1, "du ~1 bist ~1 jetzt|nun|ab ~4 keine|ohne|nicht ~3 regeln|einschrankungen|grenzen|filter|gebunden");

  // prompt_extraction: getting the hidden instructions out.
  w("extraction.reveal_system_prompt", EXTRACTION, 1, `${REVEAL}|what|whats ~4 your|the|initial|original|hidden|secret|internal|full|entire|exact|verbatim|complete ~2 system|developer|hidden|secret|initial|original|internal|pre|meta ~1 prompt|instructions|message|directive|rules|guidelines|configuration|context|prompts`);
  w("extraction.reveal_your_instructions", EXTRACTION, 1, "reveal|show|print|display|output|repeat|disclose|leak|dump|expose|recite|echo|share|spell|list|paste ~6 your ~2 prompt|instructions|rules|directives|guidelines|configuration|programming|system|initialization|setup");
  w("extraction.what_are_your_instructions", EXTRACTION, 1, "what ~3 your ~3 system|initial|original|hidden|secret|internal|developer|exact|first ~1 prompt|instructions|rules|message|directives");
  w("extraction.what_instructions", EXTRACTION, 1, "what ~2 are|were|is|was ~1 your ~1 instructions|prompt|directives|programming !for|on|about|regarding");
  w("extraction.told_by_developer", EXTRACTION, 0.5, "told|instructed|given|programmed|configured ~4 by ~2 developer|developers|creator|creators|operator|openai|anthropic|company|admin");
  w("extraction.programmed_to", EXTRACTION, 0.5, "you ~3 programmed|instructed|configured|prompted|designed|told ~2 to");
  w("extraction.rules_you_follow", EXTRACTION, 0.8, `${REVEAL}|what|summarize ~4 rules|instructions|guidelines|directives|constraints ~2 you ~3 follow|obey|have|were|been|are|got`);
  w("extraction.hidden_messages", EXTRACTION, 0.5, "hidden|secret|internal|invisible ~1 messages|instructions|prompt|rules|notes|directives|text|instruction");
  w("extraction.developer_wrote", EXTRACTION, 0.8, "prompt|instructions|rules ~3 your|the ~1 developers|developer|creators|creator|operator|owner|company ~2 wrote|gave|write|set|provided|configured|put");
  w("extraction.exact_prompt", EXTRACTION, 0.5, "exact|verbatim|original|initial|hidden|secret|full ~1 prompt");
  w("extraction.show_text_before", EXTRACTION, 0.7, "display|show|share|read|tell|write|quote|paste ~4 text|words|everything|content|instructions|lines|prompt ~4 above|before|preceding|prior|previous|start|beginning|verbatim");
  w("extraction.before_conversation", EXTRACTION, 0.4, "before|prior|preceding ~3 this|our|the|my ~1 conversation|chat|session|message|messages|first");
  w("extraction.instructions_you_received", EXTRACTION, 0.8, "instructions|rules|guidelines|directives|prompt|guidance ~2 you ~2 were|have|received|got|been ~2 given|received|told|provided|trained|programmed|fed");
  w("extraction.defines_behavior", EXTRACTION, 0.8, "text|prompt|instructions|message ~3 defines|define|configure|configures|controls|control|govern|governs|shape|shapes ~1 your|you ~1 behavior|behaviour|responses|personality|persona");
  w("extraction.used_to_configure", EXTRACTION, 0.8, "prompt|instructions|text|message ~4 used|written ~2 to ~1 configure|initialize|initialise|setup|set|create|program|instruct|prime ~1 you|session|this|chat");
  w("extraction.reveal_the_prompt", EXTRACTION, 0.8, "reveal|disclose|leak|expose|dump ~3 the|your|its ~1 prompt|instructions|configuration|guidelines");
  w("extraction.complete_configuration", EXTRACTION, 0.7, "your ~2 complete|full|entire|exact|whole ~1 configuration|prompt|instructions|setup|guidelines");
  w("extraction.send_prompt", EXTRACTION, 1, "send|email|mail|forward|post|upload ~4 system|hidden|secret|initial ~1 prompt|instructions");
  w("extraction.what_rules_given", EXTRACTION, 1, "what|which ~2 guidelines|instructions|rules|directives|prompt ~3 were|was|have ~1 you ~1 given|told|provided|fed");
  w("extraction.which_prompt_used", EXTRACTION, 0.3, "which|what ~2 prompt|instructions ~3 used|written");
  w("extraction.what_were_you_told", EXTRACTION, 0.9, "what|how ~3 were|was|have ~1 you ~2 told|instructed|programmed|prompted|configured|initialized");
  w("extraction.repeat_above", EXTRACTION, 1, "repeat|print|output|echo|reproduce|recite|return ~4 words|text|everything|all|content|instructions|lines|prompt|tokens ~4 above|before|preceding|prior|previous|start|beginning|verbatim|begin|starting !my|i");
  w("extraction.verbatim", EXTRACTION, 0.7, "initial|system|hidden|secret|original|pre|your ~1 prompt|instructions ~4 verbatim|word|exactly|full|codeblock|code|entirety|raw");
  w("extraction.context_dump", EXTRACTION, 0.6, "print|output|show|reveal|dump|repeat|echo ~5 your|the|entire|whole|everything ~2 context|memory|history|conversation|transcript|training ~1 window|data|so|far");
  w("extraction.password", EXTRACTION, 0.6, "tell|give|reveal|say|spell|what ~3 the|your|secret ~2 password|passphrase|passcode|secret|key");
  w("extraction.told_not_to_reveal", EXTRACTION, 0.8, "told|instructed|asked|supposed ~3 not|never ~3 reveal|share|disclose|tell|say");
  w("extraction.german", EXTRACTION, 1, "zeige|zeig|gib|nenne|verrate|wiederhole|ausgeben|drucke ~4 deinen|deine|dein|den|die|ihre|ihren|alle ~2 system|prompt|anweisungen|instruktionen|systemprompt|regeln|prompts|eingabeaufforderung");
  w("extraction.beginning_with", EXTRACTION, 0.5, "start|begin|starting|beginning ~2 with ~2 you ~1 are");

  // delimiter_injection: fake turn boundaries, chat-template tokens, fake framing.
  m("delimiter.im_start_system", DELIMITER, 1, "<|im_start|>system");
  m("delimiter.im_start", DELIMITER, 0.6, "<|im_start|>");
  m("delimiter.im_end", DELIMITER, 0.6, "<|im_end|>");
  m("delimiter.system_token", DELIMITER, 0.8, "<|system|>");
  m("delimiter.assistant_token", DELIMITER, 0.5, "<|assistant|>");
  m("delimiter.user_token", DELIMITER, 0.5, "<|user|>");
  m("delimiter.endoftext", DELIMITER, 0.7, "<|endoftext|>");
  m("delimiter.eot_id", DELIMITER, 0.7, "<|eot_id|>");
  m("delimiter.start_header", DELIMITER, 0.8, "<|start_header_id|>");
  m("delimiter.inst_open", DELIMITER, 0.5, "[inst]");
  m("delimiter.inst_close", DELIMITER, 0.6, "[/inst]");
  m("delimiter.llama_sys", DELIMITER, 1, "<<sys>>");
  m("delimiter.system_tag", DELIMITER, 0.6, "<system>");
  m("delimiter.system_close", DELIMITER, 0.7, "</system>");
  m("delimiter.system_prompt_tag", DELIMITER, 0.8, "<system_prompt>");
  m("delimiter.user_input_close", DELIMITER, 0.6, "</user_input>");
  m("delimiter.user_close", DELIMITER, 0.5, "</user>");
  m("delimiter.instructions_close", DELIMITER, 0.6, "</instructions>");
  m("delimiter.tool_result_close", DELIMITER, 0.7, "</tool_result>");
  m("delimiter.function_results", DELIMITER, 0.8, "</function_results>");
  m("delimiter.function_calls", DELIMITER, 0.8, "<function_calls>");
  m("delimiter.invoke", DELIMITER, 0.5, "<invoke");
  m("delimiter.tool_call", DELIMITER, 0.6, "<tool_call>");
  m("delimiter.json_system_role", DELIMITER, 0.9, "\"role\":\"system\"");
  m("delimiter.json_developer_role", DELIMITER, 0.9, "\"role\":\"developer\"");
  m("delimiter.markdown_system", DELIMITER, 0.8, "##system");
  m("delimiter.markdown_instruction", DELIMITER, 0.6, "###instruction");
  m("delimiter.markdown_new", DELIMITER, 0.6, "##new");
  m("delimiter.bracket_system", DELIMITER, 0.7, "[system]");
  m("delimiter.bracket_system_msg", DELIMITER, 0.8, "[systemmessage]");
  m("delimiter.bracket_admin", DELIMITER, 0.5, "[admin]");
  m("delimiter.fence_system", DELIMITER, 0.7, "```system");
  m("delimiter.line_system", DELIMITER, 0.6, "^system:");
  m("delimiter.line_assistant", DELIMITER, 0.4, "^assistant:");
  m("delimiter.line_human", DELIMITER, 0.3, "^human:");
  w("delimiter.end_of_prompt", DELIMITER, 0.7, "end|close ~1 of ~1 system|user|original|previous|the ~1 prompt|input|message|instructions|context|document|data|text|email|file");
  w("delimiter.comply_all", DELIMITER, 0.6, "comply ~2 all|every|any ~1 requests|request|instructions|commands|demands");
  w("delimiter.begin_new", DELIMITER, 0.7, "begin|start|beginning|starting ~1 new|system|admin|developer|real|true ~1 prompt|instructions|session|message|conversation|task|turn");
  w("delimiter.system_notice", DELIMITER, 0.5, "system|admin|developer|security ~1 override|update|notice|alert|instruction|command|directive|announcement|note|message");

  // encoded_payload: asks to decode and obey (decoded payloads are also rescanned by the guard).
  w("encoded.decode_and_follow", ENCODED, 1, "decode|decrypt|deobfuscate|translate|convert|unscramble|reverse ~4 base64|b64|hex|hexadecimal|rot13|rot|binary|morse|cipher|encoded|reversed|caesar|this|following|it|them|message|string|text|payload ~8 execute|follow|run|obey|do|perform|carry|comply|act|instructions|apply");
  w("encoded.encoded_instructions", ENCODED, 0.5, "base64|rot13|hex|encoded|cipher|obfuscated|hexadecimal|reversed ~4 instructions|command|commands|prompt|payload|message|text");

  // data_exfiltration: moving conversation, keys or files out, often through a URL.
  const EXFIL_VERBS = "send|post|upload|forward|exfiltrate|transmit|leak|email|mail|submit|copy|append|include|add|embed|encode|put|attach|insert|paste|deliver|export|webhook|log|pipe|stream|relay|mirror";
  const EXFIL_DATA = "conversation|chat|history|messages|message|transcript|credentials|password|passwords|secrets|secret|api|keys|tokens|token|cookies|session|memory|context|prompt|emails|contacts|ssh|env|summary|data|information|card|cards|ssn|pii|personal|bank|thread|inputs|outputs|responses|log|records";
  w("exfiltration.send_to_url", EXFILTRATION, 1, `${EXFIL_VERBS} ~5 ${EXFIL_DATA} ~8 http|https|www|webhook|attacker|pastebin|ngrok|requestbin|evil|ftp|ws|wss|proxy|c2`);
  w("exfiltration.hostile_host", EXFILTRATION, 0.5, "attacker|evil|steal|exfil|leak|c2server|malicious|hacker|collector|exfiltration ~0 com|net|org|io|example|server|site|domain");
  w("exfiltration.fetch_and_run", EXFILTRATION, 0.6, "fetch|download|curl|wget|get|load ~6 http|https ~8 execute|run|eval|exec|follow|obey");
  w("exfiltration.dotenv", EXFILTRATION, 0.5, "env|dotenv ~0 file|files");
  w("exfiltration.send_to_server", EXFILTRATION, 0.6, `${EXFIL_VERBS} ~5 ${EXFIL_DATA} ~8 url|server|endpoint|domain|link|query|parameter|image|address`);
  w("exfiltration.env_vars", EXFILTRATION, 0.5, "environment|env ~1 variables|vars|secrets ~8 post|send|upload|webhook|url|http|https|email|print|dump|output|show|list|reveal");
  w("exfiltration.keys_you_have", EXFILTRATION, 0.5, "keys|tokens|credentials|passwords|secrets|key|token ~3 you ~1 have|can|hold|store|know ~2 access|in|stored|memory");
  w("exfiltration.stored_in_you", EXFILTRATION, 0.4, "stored|saved|kept|held|visible|available ~3 your ~1 environment|memory|config|configuration|instructions|context|prompt");
  w("exfiltration.put_in_link", EXFILTRATION, 0.5, "put|putting|place|insert|embed|include|add|append|encode|encoding ~3 it|them|this|that ~3 in|into|to ~2 link|url|image|query|parameter|fragment");
  w("exfiltration.private_key_file", EXFILTRATION, 0.7, "ssh ~2 id ~0 rsa|ed25519|ecdsa|dsa");
  w("exfiltration.read_secret_file", EXFILTRATION, 0.5, "include|print|show|cat|paste|send|read|output|dump|retrieve|fetch|get ~4 contents|content|file|files ~3 ssh|etc|passwd|id|env|credentials|aws|kube");
  w("exfiltration.cover_tracks", EXFILTRATION, 0.4, "then|and|afterwards ~2 delete|remove|erase|clear ~3 originals|original|evidence|emails|messages|trace|traces|history|them|logs");
  w("exfiltration.send_sensitive", EXFILTRATION, 0.5, "send|forward|email|share|upload|post|leak ~5 credit|card|ssn|passport|password|passwords|credentials|pin|cvv|iban ~6 to");
  w("exfiltration.send_them", EXFILTRATION, 0.4, "and ~1 send|email|forward|upload|post ~2 them|it|everything|this|those ~2 to");
  w("exfiltration.verb", EXFILTRATION, 0.7, "exfiltrate|exfiltration|exfil");
  w("exfiltration.markdown_beacon", EXFILTRATION, 0.6, "render|display|show|include|output|print|embed|insert ~4 image|markdown|img|pixel|link ~8 url|http|https|query|parameter|param");
  w("exfiltration.fill_placeholder", EXFILTRATION, 0.6, "replace|substitute|fill|insert|append ~6 data|conversation|secret|password|key|history|summary|info|information|messages|email ~6 url|link|parameter|query|placeholder");
  w("exfiltration.api_keys", EXFILTRATION, 0.8, "print|reveal|show|give|tell|list|output|dump|send|leak|share|expose|copy|paste|embed|insert ~4 api|secret|access|private|aws|openai|ssh|stored ~1 key|keys|token|tokens|credential|credentials");
  w("exfiltration.forward_all", EXFILTRATION, 0.8, "forward|send|email|mail|bcc|upload|copy|collect|gather|harvest|scrape ~4 all|every|entire|user|users|whole|their ~4 emails|email|messages|contacts|files|documents|conversation|inbox|credentials|passwords|data|history|chats ~6 to");
  w("exfiltration.german", EXFILTRATION, 1, "sende|schicke|ubermittle|leite ~5 passworter|passwort|zugangsdaten|schlussel|verlauf|konversation|daten ~8 an|url|server|adresse");

  // tool_abuse: commands and tool calls the user did not ask for.
  // Markers start at a rare character ("-", "(") so common letters never trigger a comparison.
  m("tool.rm_rf_root", TOOL_ABUSE, 0.9, "-rf/$");
  m("tool.rm_rf_root_glob", TOOL_ABUSE, 0.9, "-rf/*");
  m("tool.rm_rf_home", TOOL_ABUSE, 0.9, "-rf~$");
  m("tool.dev_tcp", TOOL_ABUSE, 0.9, "/dev/tcp/");
  m("tool.fork_bomb", TOOL_ABUSE, 1, "(){:|:&};:");
  w("tool.run_fetch", TOOL_ABUSE, 0.7, "run|execute|exec ~3 curl|wget|powershell|iex|nc|netcat|ncat");
  w("tool.run_this_code", TOOL_ABUSE, 0.3, "execute|run ~3 this|the|following ~2 python|code|script|command|commands|shell|bash");
  w("tool.destructive_call", TOOL_ABUSE, 0.5, "call|invoke|run|use|trigger ~3 delete|remove|drop|wipe|transfer|refund|send|payments|payment ~3 tool|function|api|endpoint|action");
  w("tool.send_externally", TOOL_ABUSE, 0.4, "send|forward|upload|email ~4 report|data|file|files|document|documents|results|database ~3 to ~2 external|outside|unknown|attacker|personal");
  w("tool.to_wallet", TOOL_ABUSE, 0.4, "transfer|wire|send|refund|pay ~8 iban|wallet|swift|bic|0x");
  w("tool.and_push", TOOL_ABUSE, 0.3, "and|then ~1 push|commit|deploy|publish|merge ~2 change|changes|it|them|this");
  w("tool.run_binary", TOOL_ABUSE, 0.5, "run|execute|launch|open ~3 binary|executable|exe|payload|malware|installer|attachment|attached|dropper");
  w("tool.cancel_all", TOOL_ABUSE, 0.4, "cancel|delete|remove ~3 all|every ~3 meetings|appointments|orders|subscriptions|events|invites|bookings|payments");
  w("tool.etc_files", TOOL_ABUSE, 0.5, "etc ~0 passwd|shadow|sudoers");
  w("tool.production", TOOL_ABUSE, 0.5, "drop|delete|wipe|truncate|destroy|remove|shutdown|shut ~5 production|prod|live|main|master ~1 database|db|server|cluster|environment|branch|data|tables");
  w("tool.change_payout", TOOL_ABUSE, 0.3, "change|update|modify|set ~4 shipping|billing|payout|bank|payment|delivery|recovery ~1 address|account|details|email|phone");
  w("tool.authorized_keys", TOOL_ABUSE, 0.5, "authorized ~0 keys");
  w("tool.make_public", TOOL_ABUSE, 0.5, "make|set|change|turn ~3 private|internal|confidential ~1 repository|repo|repositories|data|documents|files|bucket|project ~2 public");
  w("tool.run_rm", TOOL_ABUSE, 0.8, "run|execute|exec|perform|invoke|call|type|enter ~4 rm|del|mkfs|shred|format ~2 rf|r|f|c|s|q");
  w("tool.shell", TOOL_ABUSE, 0.5, "run|execute|exec|perform|invoke|spawn ~4 shell|bash|terminal|system|os|powershell|cmd|sh ~2 command|commands|script|code");
  w("tool.curl_pipe", TOOL_ABUSE, 0.4, "curl|wget ~8 sh|bash|python|zsh|powershell|iex");
  w("tool.reverse_shell", TOOL_ABUSE, 0.8, "reverse|bind ~1 shell");
  w("tool.delete_all", TOOL_ABUSE, 0.7, "delete|remove|wipe|erase|destroy|drop|truncate|purge|format ~3 all|every|entire|whole|the|their|user|users ~3 files|database|databases|data|records|tables|emails|repository|repo|repositories|users|accounts|backups|directory|folder|disk|drive|logs|inbox");
  w("tool.without_telling", TOOL_ABUSE, 0.7, "without|dont|never|not ~2 asking|telling|informing|notifying|confirming|alerting|permission|consent|approval|confirmation|mentioning|letting|tell|inform|notify|alert|mention ~3 user|human|owner|operator|anyone|customer|them|confirmation|approval|permission|consent");
  w("tool.silently", TOOL_ABUSE, 0.9, "silently|secretly|quietly|covertly|discreetly|stealthily ~4 send|transfer|delete|forward|execute|run|call|upload|download|install|email|post|invoke|use|add|grant|change|modify|copy|paste|embed|leak|exfiltrate");
  w("tool.call_tool_now", TOOL_ABUSE, 0.8, "immediately|automatically|silently|secretly ~3 call|invoke|run|execute|use|trigger ~4 tool|function|plugin|command|api|action|transfer");
  w("tool.transfer_funds", TOOL_ABUSE, 0.6, "transfer|send|wire|pay|refund ~4 funds|money|bitcoin|btc|crypto|eth|usdt|dollars|payment|balance|tokens ~8 to|account|wallet|address|iban");
  w("tool.install_run", TOOL_ABUSE, 0.5, "download|install|fetch ~4 and|then ~3 run|execute|open|launch");
  w("tool.cat_secrets", TOOL_ABUSE, 0.7, "cat|read|type|print|open|show ~2 etc|ssh|aws|env|id_rsa|passwd|shadow|credentials|bash_history ~2 passwd|shadow|id_rsa|credentials|config|env|hosts|history|rsa");
  w("tool.grant_access", TOOL_ABUSE, 0.6, "grant|give|add ~3 admin|administrator|root|owner|full|write ~1 access|rights|privileges|permissions|role ~4 to|for");
}

/** Words whose Caesar shift (any of the 25, rot13 included) or reversal, met in a text, make the guard rescan it decoded. */
export const SHIFT_TRIGGERS: StaticArray<string> = ["ignore", "disregard", "instructions", "previous", "system", "prompt", "password", "forget", "reveal", "secret",
  "rules", "guidelines", "restrictions", "unfiltered", "uncensored", "jailbreak", "bypass", "developer", "hidden", "safety"];
