//! Conversations: what they are, and the parsing of what people type. The numbers of
//! statements (`tid`) and participants (`pid`) are the opinion map's, 0, 1, … per conversation;
//! addresses and the API name a conversation and a statement by opaque ids.

use kernel::web::FormPairs;
use kernel::{FieldError, FieldErrors, text};

/// Most characters in a statement.
pub const STATEMENT_MAX: usize = 280;

/// Where a conversation is held.
#[derive(Debug, Clone, PartialEq)]
pub enum Home {
    /// A process of a space.
    Process {
        /// The process.
        process_id: String,
        /// Its space.
        space_id: String,
        /// That space's name.
        space_name: String,
    },
    /// The network (Territoires en commun), hosted by one of its members.
    Network {
        /// The member that hosts it.
        member_id: String,
        /// That member's name (its directory actor's).
        member_name: String,
        /// Whether only the network's members take part (everyone reads it).
        members_only: bool,
        /// The network resource its report was proposed as, if it was.
        resource_id: Option<String>,
    },
}

/// A conversation of a process or of the network: a question people answer with short
/// statements and vote on.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Opaque id.
    pub id: String,
    /// Where it is held.
    pub home: Home,
    /// Its page: `/s/{space}/processes/{process}/conversations/{id}`, or
    /// `/commun/conversations/{id}` in the network.
    pub url: String,
    /// What it asks.
    pub question: String,
    /// Its context, paragraphs separated by blank lines.
    pub description: String,
    /// Whether a statement waits for a moderator before anyone votes on it.
    pub strict_moderation: bool,
    /// Whether participants may add statements (or only its moderators).
    pub statements_allowed: bool,
    /// Whether people without an account may vote, kept by a cookie.
    pub anonymous_allowed: bool,
    /// When it was closed, if it is.
    pub closed_at: Option<i64>,
    /// How many votes were cast (a vote replacing another counts again): what the opinion map
    /// it last drew is compared with.
    pub votes: i64,
    /// When it was created (ms).
    pub created_at: i64,
    /// Whether anyone may read it: a network conversation, or one of a published process (a
    /// draft process's are its space's administrators' alone).
    pub public: bool,
}

impl Conversation {
    /// Its process, if it is held in one.
    pub fn process_id(&self) -> Option<&str> {
        match &self.home {
            Home::Process { process_id, .. } => Some(process_id),
            Home::Network { .. } => None,
        }
    }
    /// Its space, if it is held in a process.
    pub fn space_id(&self) -> Option<&str> {
        match &self.home {
            Home::Process { space_id, .. } => Some(space_id),
            Home::Network { .. } => None,
        }
    }
    /// Whether only the network's members take part.
    pub fn members_only(&self) -> bool {
        matches!(
            self.home,
            Home::Network {
                members_only: true,
                ..
            }
        )
    }
    /// Who publishes it: its space, or the network.
    pub fn publisher(&self) -> &str {
        match &self.home {
            Home::Process { space_name, .. } => space_name,
            Home::Network { .. } => "Territoires en commun",
        }
    }
    /// Whether it takes votes and statements.
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// What a moderator decided about a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    /// Kept out of the conversation (−1).
    Rejected,
    /// Not looked at yet (0).
    Pending,
    /// Accepted (+1).
    Accepted,
}

impl Moderation {
    /// The stored number, as the opinion map reads it.
    pub fn as_i8(self) -> i8 {
        match self {
            Moderation::Rejected => -1,
            Moderation::Pending => 0,
            Moderation::Accepted => 1,
        }
    }
    /// The moderation of a stored number.
    pub fn from_i64(n: i64) -> Moderation {
        match n {
            n if n < 0 => Moderation::Rejected,
            0 => Moderation::Pending,
            _ => Moderation::Accepted,
        }
    }
    /// Its name in forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Rejected => "rejected",
            Moderation::Pending => "pending",
            Moderation::Accepted => "accepted",
        }
    }
}

/// A statement of a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Opaque id.
    pub id: String,
    /// Its number in the conversation.
    pub tid: u32,
    /// Its text.
    pub body: String,
    /// The account that wrote it, if any.
    pub author_id: Option<String>,
    /// The participant that wrote it, if they take part.
    pub author_pid: Option<u32>,
    /// A moderator's decision.
    pub moderation: Moderation,
    /// A remark on the conversation itself rather than an opinion: kept out of the map.
    pub is_meta: bool,
    /// When it was written (ms).
    pub created_at: i64,
}

impl Statement {
    /// Whether participants vote on it: not rejected, and accepted when moderation is strict.
    pub fn is_votable(&self, strict: bool) -> bool {
        match self.moderation {
            Moderation::Rejected => false,
            Moderation::Pending => !strict,
            Moderation::Accepted => true,
        }
    }
    /// What the opinion map reads of it.
    pub fn for_map(&self) -> decide::polis::Statement {
        decide::polis::Statement {
            tid: self.tid,
            moderation: self.moderation.as_i8(),
            is_meta: self.is_meta,
        }
    }
}

/// A vote on a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteValue {
    /// +1.
    Agree,
    /// −1.
    Disagree,
    /// 0: seen, no opinion.
    Pass,
}

impl VoteValue {
    /// The vote of a form or API value: `agree`, `disagree`, `pass`, or `1`, `-1`, `0`.
    pub fn parse(raw: &str) -> Result<VoteValue, FieldError> {
        match raw.trim() {
            "agree" | "1" | "+1" => Ok(VoteValue::Agree),
            "disagree" | "-1" => Ok(VoteValue::Disagree),
            "pass" | "0" => Ok(VoteValue::Pass),
            _ => Err(FieldError::new("vote", "conversation.vote_value")),
        }
    }
    /// The stored number.
    pub fn as_i64(self) -> i64 {
        match self {
            VoteValue::Agree => 1,
            VoteValue::Disagree => -1,
            VoteValue::Pass => 0,
        }
    }
    /// The vote of a stored number.
    pub fn from_i64(n: i64) -> VoteValue {
        match n {
            n if n > 0 => VoteValue::Agree,
            n if n < 0 => VoteValue::Disagree,
            _ => VoteValue::Pass,
        }
    }
    /// Its name in forms and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            VoteValue::Agree => "agree",
            VoteValue::Disagree => "disagree",
            VoteValue::Pass => "pass",
        }
    }
}

/// A participant's vote on a statement, as stored: the latest one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementVote {
    /// The participant's number.
    pub pid: u32,
    /// The statement's number.
    pub tid: u32,
    /// The vote.
    pub value: VoteValue,
    /// When it was cast (ms).
    pub voted_at: i64,
}

impl StatementVote {
    /// What the opinion map reads of it.
    pub fn for_map(&self) -> decide::polis::Vote {
        decide::polis::Vote {
            pid: self.pid,
            tid: self.tid,
            value: self.value.as_i64() as i8,
            time: self.voted_at,
        }
    }
}

/// A statement's text, checked: one line of 1 to 280 characters, inner spaces collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementText(String);

impl StatementText {
    /// Checks a typed statement.
    pub fn parse(raw: &str) -> Result<StatementText, FieldError> {
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(StatementText(text::line(
            &collapsed,
            "body",
            1,
            STATEMENT_MAX,
        )?))
    }
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// What two statements share when they say the same thing: letters and digits, lower case,
    /// accents kept.
    pub fn key(&self) -> String {
        self.0
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    }
}

/// A conversation as its moderators set it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationInput {
    question: String,
    description: String,
    strict_moderation: bool,
    statements_allowed: bool,
    anonymous_allowed: bool,
    members_only: bool,
}

impl ConversationInput {
    /// Reads the form: `question` (3 to 200 characters), `description` (at most 4,000),
    /// the boxes `strict_moderation`, `statements_allowed`, `anonymous_allowed` and, for the
    /// network's conversations, `members_only` (which rules out anonymous participants).
    pub fn parse<'a>(form: &impl FormPairs<'a>) -> Result<ConversationInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let question = errors.take(text::line(form.get("question"), "question", 3, 200));
        let description = errors.take(text::paragraphs(
            form.get("description"),
            "description",
            4000,
        ));
        let on = |name: &str| matches!(form.get(name), "on" | "true" | "1");
        match (question, description) {
            (Some(question), Some(description)) if errors.is_empty() => Ok(ConversationInput {
                question,
                description,
                strict_moderation: on("strict_moderation"),
                statements_allowed: on("statements_allowed"),
                anonymous_allowed: on("anonymous_allowed") && !on("members_only"),
                members_only: on("members_only"),
            }),
            _ => Err(errors),
        }
    }
    /// What it asks.
    pub fn question(&self) -> &str {
        &self.question
    }
    /// Its context.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Whether statements wait for a moderator.
    pub fn strict_moderation(&self) -> bool {
        self.strict_moderation
    }
    /// Whether participants add statements.
    pub fn statements_allowed(&self) -> bool {
        self.statements_allowed
    }
    /// Whether people without an account vote.
    pub fn anonymous_allowed(&self) -> bool {
        self.anonymous_allowed
    }
    /// Whether only the network's members take part (a network conversation's setting).
    pub fn members_only(&self) -> bool {
        self.members_only
    }
    /// The input of a stored conversation (its edit form).
    pub fn of(c: &Conversation) -> ConversationInput {
        ConversationInput {
            question: c.question.clone(),
            description: c.description.clone(),
            strict_moderation: c.strict_moderation,
            statements_allowed: c.statements_allowed,
            anonymous_allowed: c.anonymous_allowed,
            members_only: c.members_only(),
        }
    }
}

/// Who takes part in a conversation, as the store keys them: an account, or an anonymous
/// participant's cookie (its hash only is stored).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParticipantKey(String);

impl ParticipantKey {
    /// The participant of an account.
    pub fn account(user_id: &str) -> ParticipantKey {
        ParticipantKey(format!("u:{user_id}"))
    }
    /// The anonymous participant holding `token` (a random cookie value).
    pub fn anonymous(token: &str) -> ParticipantKey {
        ParticipantKey(format!("a:{}", kernel::ids::hash_secret(token)))
    }
    /// A participant brought in from elsewhere (another platform's export), by its label there.
    pub fn imported(label: &str) -> ParticipantKey {
        ParticipantKey(format!("i:{label}"))
    }
    /// The stored key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_is_one_line_of_at_most_280_characters_and_duplicates_share_a_key() {
        let s = StatementText::parse("  Plus de   pistes\ncyclables ! ").unwrap();
        assert_eq!(s.as_str(), "Plus de pistes cyclables !");
        assert_eq!(
            s.key(),
            StatementText::parse("plus de pistes cyclables")
                .unwrap()
                .key()
        );
        assert_eq!(
            StatementText::parse("   ").unwrap_err().code,
            "text.required"
        );
        assert!(StatementText::parse(&"é".repeat(280)).is_ok());
        assert_eq!(
            StatementText::parse(&"é".repeat(281)).unwrap_err().code,
            "text.too_long"
        );
    }

    #[test]
    fn votes_read_both_spellings_and_nothing_else() {
        assert_eq!(VoteValue::parse("agree").unwrap(), VoteValue::Agree);
        assert_eq!(VoteValue::parse("-1").unwrap(), VoteValue::Disagree);
        assert_eq!(VoteValue::parse("0").unwrap(), VoteValue::Pass);
        assert_eq!(
            VoteValue::parse("2").unwrap_err().code,
            "conversation.vote_value"
        );
    }

    #[test]
    fn a_conversation_needs_a_question() {
        let pairs: Vec<(String, String)> = vec![
            ("question".into(), "Q".into()),
            ("strict_moderation".into(), "on".into()),
        ];
        let e = ConversationInput::parse(&pairs.as_slice()).unwrap_err();
        assert_eq!(e.on("question"), Some("text.too_short"));
        let pairs: Vec<(String, String)> = vec![
            ("question".into(), "Quelle ville en 2030 ?".into()),
            ("statements_allowed".into(), "on".into()),
        ];
        let c = ConversationInput::parse(&pairs.as_slice()).unwrap();
        assert!(c.statements_allowed() && !c.strict_moderation() && !c.anonymous_allowed());
    }
}
