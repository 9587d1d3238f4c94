//! `-o FILE`: the output goes to a temporary file in FILE's directory, which is
//! renamed over FILE only when it is complete, so a reader (node_exporter's
//! textfile collector, a cron job's consumer) never sees half a file. A run that
//! fails leaves FILE as it was and removes the temporary file.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Create `.NAME.PID.tmp` next to `dest` (never an existing file: O_EXCL).
    /// Its name starts with a dot and does not end in `.prom`, so the textfile
    /// collector ignores it.
    pub fn create(dest: &Path) -> io::Result<AtomicFile> {
        let Some(name) = dest.file_name() else {
            return Err(crate::error::io_error(
                io::ErrorKind::InvalidInput,
                "not a file name",
            ));
        };
        let mut t = OsString::from(".");
        t.push(name);
        t.push(format!(".{}.tmp", std::process::id()));
        let tmp = dest.with_file_name(t);
        let file = File::from(crate::proc::with_cstr(&tmp, crate::proc::sys::create_new)?);
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(BufWriter::with_capacity(64 * 1024, file)),
        })
    }

    /// Flush, sync, and rename over the destination.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(w) = self.file.take() else {
            return Ok(());
        };
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&self.tmp, &self.dest)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_on_commit_and_cleans_up_otherwise() {
        let dir = std::env::temp_dir().join(format!("openports-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let dest = dir.join("m.prom");
        std::fs::write(&dest, "old\n").unwrap();
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"new\n").unwrap();
        // Not visible before the commit; the temporary file is hidden.
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old\n");
        let tmp = f.tmp.clone();
        assert!(
            tmp.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(".m.prom.")
        );
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new\n");
        assert!(!tmp.exists());
        // Dropped without commit (a failed run): the old content stays.
        let mut f = AtomicFile::create(&dest).unwrap();
        f.write_all(b"half").unwrap();
        let tmp = f.tmp.clone();
        drop(f);
        assert!(!tmp.exists());
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
