//! Where an export is written: the path the user chose in the system's save dialog, opened
//! by the Rust side (tauri-plugin-dialog's Rust API). The webview never names a path: a
//! compromised or buggy page can ask for an export, but it cannot make the app write one
//! anywhere but where the user just pointed (issue 13, item 19).
//!
//! [`SavePicker`] lets the commands be tested on Tauri's mock runtime with a picker of their
//! own; [`SaveDialog::os`] is the system's dialog.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::CommandError;

/// What the dialog shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveRequest {
    pub title: &'static str,
    /// The name suggested in the dialog.
    pub file_name: String,
    pub filter_name: &'static str,
    pub extensions: &'static [&'static str],
}

/// The user's choice: a path, or `None` when the dialog was cancelled.
pub type Picked = Result<Option<PathBuf>, CommandError>;

/// Something that asks the user where to save.
pub trait SavePicker: Send + Sync {
    /// Shows the dialog and calls `done` with the choice (from any thread, once).
    fn pick(&self, request: SaveRequest, done: Box<dyn FnOnce(Picked) + Send>);
}

/// The picker the commands use, managed by Tauri.
#[derive(Clone)]
pub struct SaveDialog(pub Arc<dyn SavePicker>);

impl SaveDialog {
    /// The system's save dialog (registered by `build_app` with tauri-plugin-dialog).
    pub fn os<R: Runtime>(app: AppHandle<R>) -> Self {
        Self(Arc::new(PluginPicker(app)))
    }

    /// Asks and waits for the answer without holding a thread: the plugin shows the dialog on
    /// the main thread and answers through the callback.
    pub async fn ask(&self, request: SaveRequest) -> Picked {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0.pick(
            request,
            Box::new(move |picked| {
                // The command may have been dropped meanwhile; then nobody waits for the answer.
                let _ = tx.send(picked);
            }),
        );
        rx.await.map_err(|_| {
            CommandError::new("app.internal", "the save dialog closed without an answer")
        })?
    }
}

struct PluginPicker<R: Runtime>(AppHandle<R>);

impl<R: Runtime> SavePicker for PluginPicker<R> {
    fn pick(&self, request: SaveRequest, done: Box<dyn FnOnce(Picked) + Send>) {
        let builder = self
            .0
            .dialog()
            .file()
            .set_title(request.title)
            .set_file_name(request.file_name)
            .add_filter(request.filter_name, request.extensions);
        // In front of the app's window, modal to it.
        #[cfg(desktop)]
        let builder = match self.0.get_webview_window("main") {
            Some(window) => builder.set_parent(&window),
            None => builder,
        };
        builder.save_file(move |chosen| {
            done(match chosen {
                None => Ok(None),
                Some(path) => path.into_path().map(Some).map_err(|_| {
                    CommandError::new(
                        "export.not_a_path",
                        "the chosen location is not a file on this device; choose a folder \
                         on the device",
                    )
                }),
            })
        });
    }
}
