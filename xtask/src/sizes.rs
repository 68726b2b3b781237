//! The house rule on size: no function over 60 lines in the provider and its crates (`src/`,
//! `crates/*/src`, `xtask/src`), none over 100 in the tests and the benchmark. Functions are
//! found by parsing the sources (with `syn`), so that braces in strings do not mislead.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use syn::visit::Visit;

/// The longest a function may be, in lines, where the code lives.
pub const CODE_LIMIT: usize = 60;
/// The same for tests and the benchmark, where set-up is spelled out.
pub const TEST_LIMIT: usize = 100;

/// One function: where it is and how long.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Function {
    /// Its length in lines, from its signature to its closing brace.
    pub lines: usize,
    /// Its file, relative to the repository.
    pub file: PathBuf,
    /// Its first line.
    pub line: usize,
    /// Its name.
    pub name: String,
}

struct Finder<'a> {
    file: &'a Path,
    found: Vec<Function>,
}

impl Finder<'_> {
    /// Records the function whose signature is `sig` and whose body is `body`.
    fn add(&mut self, sig: &syn::Signature, body: &syn::Block) {
        let start = sig.fn_token.span.start().line;
        let end = body.brace_token.span.close().end().line;
        let name = sig.ident.to_string();
        self.found.push(Function {
            lines: end.saturating_sub(start) + 1,
            file: self.file.to_path_buf(),
            line: start,
            name,
        });
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.add(&f.sig, &f.block);
        syn::visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.add(&f.sig, &f.block);
        syn::visit::visit_impl_item_fn(self, f);
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(body) = &f.default {
            self.add(&f.sig, body);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

/// Every function of the `.rs` files under `dir` (relative to `root`).
pub fn functions(root: &Path, dir: &str) -> Result<Vec<Function>> {
    let mut found = Vec::new();
    for file in rust_files(&root.join(dir))? {
        let text = std::fs::read_to_string(&file)?;
        let ast = syn::parse_file(&text).with_context(|| format!("parsing {}", file.display()))?;
        let relative = file.strip_prefix(root).unwrap_or(&file);
        let mut finder = Finder {
            file: relative,
            found: Vec::new(),
        };
        finder.visit_file(&ast);
        found.extend(finder.found);
    }
    found.sort_by(|a, b| b.cmp(a));
    Ok(found)
}

/// Every `.rs` file under `dir`.
pub fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(files);
    };
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}

/// The directories of code, held to [`CODE_LIMIT`].
pub const CODE_DIRS: [&str; 5] = [
    "src",
    "crates/protocol/src",
    "crates/api/src",
    "crates/sim/src",
    "xtask/src",
];
/// The directories of tests and the benchmark, held to [`TEST_LIMIT`].
pub const TEST_DIRS: [&str; 2] = ["tests", "benches"];

/// The functions over their limit, longest first.
pub fn too_long(root: &Path) -> Result<Vec<Function>> {
    let mut over = Vec::new();
    for (dirs, limit) in [(&CODE_DIRS[..], CODE_LIMIT), (&TEST_DIRS[..], TEST_LIMIT)] {
        for dir in dirs {
            over.extend(
                functions(root, dir)?
                    .into_iter()
                    .filter(|f| f.lines > limit && !is_test_in_code(f, limit)),
            );
        }
    }
    over.sort_by(|a, b| b.cmp(a));
    Ok(over)
}

/// Unit tests beside the code (`tests.rs` files and `tests` modules) are tests: they are held
/// to the tests' limit.
fn is_test_in_code(f: &Function, limit: usize) -> bool {
    limit == CODE_LIMIT
        && f.lines <= TEST_LIMIT
        && f.file.components().any(|c| c.as_os_str() == "tests.rs")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_function_is_over_its_limit() {
        let over = too_long(&crate::run::root()).expect("the sources parse");
        let listed: Vec<String> = over
            .iter()
            .map(|f| {
                format!(
                    "{}:{} {} ({} lines)",
                    f.file.display(),
                    f.line,
                    f.name,
                    f.lines
                )
            })
            .collect();
        assert!(
            listed.is_empty(),
            "functions over the limit:\n{}",
            listed.join("\n")
        );
    }

    #[test]
    fn a_long_function_is_found_and_strings_do_not_mislead() {
        let dir = tempfile::tempdir().expect("dir");
        let body = "    let _ = 1;\n".repeat(70);
        let text = format!("fn long() {{\n    let _ = \"}}}}\";\n{body}}}\nfn short() {{}}\n");
        std::fs::create_dir(dir.path().join("src")).expect("src");
        std::fs::write(dir.path().join("src/lib.rs"), text).expect("write");
        let found = functions(dir.path(), "src").expect("parsed");
        assert_eq!(found[0].name, "long");
        assert_eq!(found[0].lines, 73);
        assert_eq!(found[1].lines, 1);
    }
}
