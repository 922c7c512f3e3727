//! Attachments saved from the window: "Save" writes a new file into the downloads folder
//! (`--download-dir DIR`, else `$HELPR_DOWNLOAD_DIR`, else the OS's downloads folder, else the
//! home folder); "Save as…" asks with the OS's save dialog. Either way core decrypts the
//! attachment into that one file and nowhere else.

use std::path::PathBuf;

use helpr_core::{CoreError, ErrorPayload, Helpr};
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// Managed Tauri state: where "Save" puts attachments.
pub struct Downloads {
    dir: Option<PathBuf>,
}

impl Downloads {
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    fn dir(&self) -> Result<PathBuf, CoreError> {
        self.dir
            .clone()
            .or_else(|| {
                directories::UserDirs::new().map(|u| {
                    u.download_dir()
                        .map(PathBuf::from)
                        .unwrap_or_else(|| u.home_dir().to_path_buf())
                })
            })
            .ok_or_else(|| CoreError::Storage("no downloads or home folder is known".into()))
    }

    /// Saves attachment `id` as a new file in the downloads folder; its path.
    pub async fn save(&self, helpr: Helpr, id: i64) -> Result<String, ErrorPayload> {
        let dir = self.dir()?;
        std::fs::create_dir_all(&dir)
            .map_err(|e| CoreError::Storage(format!("could not create {}: {e}", dir.display())))?;
        Ok(helpr.save_attachment(id, &dir).await?.display().to_string())
    }

    /// Asks where to save attachment `id` and saves it there; `None` when the user cancels.
    pub async fn save_as<R: Runtime>(
        &self,
        app: AppHandle<R>,
        helpr: Helpr,
        id: i64,
    ) -> Result<Option<String>, ErrorPayload> {
        let name = helpr.attachment_file_name(id).await?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut dialog = app.dialog().file().set_file_name(name);
        if let Ok(dir) = self.dir() {
            dialog = dialog.set_directory(dir);
        }
        dialog.save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
        let Some(chosen) = rx.await.ok().flatten() else {
            return Ok(None);
        };
        let path = chosen
            .into_path()
            .map_err(|_| CoreError::InvalidInput("choose a file on this computer".into()))?;
        Ok(Some(
            helpr
                .save_attachment_as(id, &path)
                .await?
                .display()
                .to_string(),
        ))
    }
}
