//! `hebb inspect`: a rule file's header, sizes and coefficient statistics.

use std::path::PathBuf;

use clap::Args;
use hebb_train::run::files;
use hebb_train::{Error, Result, export};

#[derive(Args)]
pub struct InspectArgs {
    /// The rule file, or a run directory.
    file: PathBuf,
}

/// Runs `hebb inspect`.
pub fn run(a: InspectArgs) -> Result<()> {
    let InspectArgs { file } = a;
    let file = if file.is_dir() {
        let rule = file.join(files::RULE);
        if !rule.exists() {
            return Err(Error::NoFile {
                hint: format!(
                    "static-weight runs have no rule; an unfinished run gets one with `hebb export {}`",
                    file.display()
                ),
                dir: file,
                file: files::RULE,
            });
        }
        rule
    } else {
        file
    };
    print!("{}", export::describe(&file)?);
    export::check_finite(&file)
}
