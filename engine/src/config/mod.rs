//! Configuration: QuickFIX settings files for sessions, a TOML file for threads and tuning.
//!
//! Sessions keep QuickFIX's format and key names so existing configurations carry over; what
//! spinfix adds (threads, cores, idle strategies, rings) lives apart in the tuning file, which
//! QuickFIX has no equivalent for. Both are checked completely at load: an unknown key, a bad
//! value or a missing required key is an error naming the file, the section or key, and the value.

mod builder;
mod error;
mod ini;
mod session_settings;
mod settings_file;
mod tuning;
mod values;

pub use builder::SessionSettingsBuilder;
pub use error::{SettingError, SettingsError};
pub use session_settings::{
    ConnectionType, HostPort, HostSelectionPolicy, JournalDurability, JournalSettings, Schedule,
    SessionId, SessionSettings, SocketSettings, SslSettings, ValidationSettings,
};
pub use settings_file::{load_settings, parse_settings};
pub use tuning::{RingSizes, SocketDefaults, ThreadConfig, ThreadRole, TuningConfig, TuningError};
