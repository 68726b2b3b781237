//! The house rule on arrows, so that the map stays true: each mapped crate's `lib.rs` lists its
//! rooms top to bottom, and a room uses only rooms listed below its own; the README's Layout
//! names the same rooms in the same order, and says which of the project's crates each crate
//! uses, as its Cargo.toml does.
//!
//! Uses are read from the parsed sources (`syn`): every path through `crate::` (or `super::` up
//! to the crate root), with the root's re-exports traced to their room. Unit tests
//! (`#[cfg(test)]` modules, `tests.rs` and `*_tests.rs` files) are left out: a test may reach
//! anywhere. Paths inside macro invocations and attribute strings are not seen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use syn::visit::Visit;

/// A crate whose `lib.rs` maps its rooms: its sources, and its heading in the README's Layout.
pub struct Mapped {
    /// Where its sources are, from the repository's root.
    pub sources: &'static str,
    /// Its heading in the README's Layout.
    pub heading: &'static str,
}

/// The crates whose `lib.rs` maps their rooms.
pub const MAPPED: &[Mapped] = &[
    Mapped {
        sources: "src",
        heading: "src/",
    },
    Mapped {
        sources: "crates/api/src",
        heading: "crates/api/",
    },
    Mapped {
        sources: "crates/sim/src",
        heading: "crates/sim/",
    },
];

/// What a crate's root declares: its rooms (the modules it declares outside tests), the names
/// it re-exports with the room each comes from, and the order its doc comment gives.
#[derive(Debug, Default)]
struct Root {
    rooms: BTreeSet<String>,
    tests: BTreeSet<String>,
    reexports: BTreeMap<String, String>,
    /// Names re-exported from other crates.
    outside: BTreeSet<String>,
    floors: Vec<Vec<String>>,
}

impl Root {
    fn read(lib: &syn::File) -> Root {
        let mut root = Root::default();
        for item in &lib.items {
            match item {
                syn::Item::Mod(m) if is_test(&m.attrs) => {
                    root.tests.insert(m.ident.to_string());
                }
                syn::Item::Mod(m) => {
                    root.rooms.insert(m.ident.to_string());
                }
                syn::Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)) => {
                    for path in expand(&u.tree, Vec::new()) {
                        if let (Some(room), Some(name)) = (path.first(), path.last()) {
                            root.reexports.insert(name.clone(), room.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        let (inside, outside) = std::mem::take(&mut root.reexports)
            .into_iter()
            .partition(|(_, room)| root.rooms.contains(room));
        root.reexports = inside;
        root.outside = outside.into_keys().collect();
        root.floors = floors(&inner_doc(&lib.attrs));
        root
    }

    /// The room `name` (the first segment after `crate::`) belongs to.
    fn room_of(&self, name: &str) -> Option<&str> {
        self.rooms
            .get(name)
            .or_else(|| self.reexports.get(name))
            .map(String::as_str)
    }

    /// How far down the list `room` is.
    fn floor(&self, room: &str) -> Option<usize> {
        self.floors.iter().position(|f| f.iter().any(|r| r == room))
    }

    /// What is wrong with the list itself: rooms it leaves out, names that are not rooms.
    fn list_problems(&self, lib: &str) -> Vec<String> {
        let listed: Vec<&String> = self.floors.iter().flatten().collect();
        let mut problems: Vec<String> = self
            .rooms
            .iter()
            .filter(|r| !listed.contains(r))
            .map(|r| format!("{lib} does not list its room `{r}`"))
            .collect();
        for name in listed {
            if !self.rooms.contains(name) {
                problems.push(format!(
                    "{lib} lists `{name}`, which is not one of its modules"
                ));
            }
        }
        problems
    }
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Path>()
                .is_ok_and(|p| p.is_ident("test"))
    })
}

/// The paths a `use` tree names, each from its first segment.
fn expand(tree: &syn::UseTree, prefix: Vec<String>) -> Vec<Vec<String>> {
    let with = |ident: &syn::Ident| {
        let mut p = prefix.clone();
        p.push(ident.to_string());
        p
    };
    match tree {
        syn::UseTree::Path(p) => expand(&p.tree, with(&p.ident)),
        syn::UseTree::Name(n) if n.ident == "self" => vec![prefix],
        syn::UseTree::Name(n) => vec![with(&n.ident)],
        syn::UseTree::Rename(r) => vec![with(&r.ident)],
        syn::UseTree::Glob(_) => vec![prefix],
        syn::UseTree::Group(g) => g
            .items
            .iter()
            .flat_map(|t| expand(t, prefix.clone()))
            .collect(),
    }
}

fn inner_doc(attrs: &[syn::Attribute]) -> String {
    let mut doc = String::new();
    for attr in attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                doc.push_str(s.value().strip_prefix(" ").unwrap_or(&s.value()));
                doc.push('\n');
            }
        }
    }
    doc
}

/// The floors of the list that follows the words "top to bottom" in `doc`: each item (`- `)
/// is a floor, and its rooms are the names in backquotes before its first ": ".
fn floors(doc: &str) -> Vec<Vec<String>> {
    let mut floors = Vec::new();
    let mut started = false;
    let list = doc.split("top to bottom").nth(1).unwrap_or_default();
    for line in list.lines() {
        if let Some(item) = line.strip_prefix("- ") {
            started = true;
            let names = item.split(": ").next().unwrap_or_default();
            floors.push(
                names
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_string)
                    .collect(),
            );
        } else if started && !line.starts_with("  ") {
            break;
        }
    }
    floors
}

/// One arrow: `from` uses `to`, at `file`:`line`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Arrow {
    from: String,
    to: String,
    file: PathBuf,
    line: usize,
}

/// The paths through the crate root in one file, as segments from the root.
struct Paths {
    module: Vec<String>,
    found: Vec<(Vec<String>, usize)>,
}

impl Paths {
    /// `segments` from the crate root, if they start there (`crate`, `super`, `self`).
    fn absolute(&self, segments: &[String]) -> Option<Vec<String>> {
        let mut module = self.module.clone();
        let mut rest = segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                module.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().is_some_and(|s| s == "super") {
                    module.pop()?;
                    rest = &rest[1..];
                }
            }
            _ => return None,
        }
        module.extend(rest.iter().cloned());
        Some(module)
    }

    fn add(&mut self, segments: Vec<String>, line: usize) {
        if let Some(path) = self.absolute(&segments) {
            self.found.push((path, line));
        }
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if is_test(&m.attrs) {
            return;
        }
        self.module.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let line = u.use_token.span.start().line;
        for path in expand(&u.tree, Vec::new()) {
            self.add(path, line);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let line = p
            .segments
            .first()
            .map_or(0, |s| s.ident.span().start().line);
        self.add(segments, line);
        syn::visit::visit_path(self, p);
    }
}

/// The module a file under a crate's sources holds: `a.rs` and `a/mod.rs` hold `a`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut module: Vec<String> = relative
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if module.last().is_some_and(|m| m == "mod") {
        module.pop();
    }
    module
}

/// Whether a file under a crate's sources is left out: the root, binaries, unit tests.
fn left_out(relative: &Path) -> bool {
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy().to_string());
    let name = name.unwrap_or_default();
    relative.starts_with("bin")
        || relative == Path::new("lib.rs")
        || relative == Path::new("main.rs")
        || name == "tests.rs"
        || name.ends_with("_tests.rs")
}

/// Every arrow between two rooms of the crate whose sources are `sources`, and the paths that
/// lead to no room (an item of `lib.rs` itself, which is to hold only the map).
fn arrows(root: &Path, sources: &str, lib: &Root) -> Result<(Vec<Arrow>, Vec<String>)> {
    let (mut arrows, mut strays) = (Vec::new(), Vec::new());
    let dir = root.join(sources);
    for file in crate::sizes::rust_files(&dir)? {
        let relative = file.strip_prefix(&dir).unwrap_or(&file).to_path_buf();
        if left_out(&relative) {
            continue;
        }
        let text = std::fs::read_to_string(&file)?;
        let ast = syn::parse_file(&text).with_context(|| format!("parsing {}", file.display()))?;
        let module = module_of(&relative);
        let Some(from) = module.first().cloned() else {
            continue;
        };
        if lib.tests.contains(&from) {
            continue;
        }
        let mut paths = Paths {
            module: module.clone(),
            found: Vec::new(),
        };
        paths.visit_file(&ast);
        let shown = Path::new(sources).join(&relative);
        for (path, line) in paths.found {
            let Some(first) = path.first() else { continue };
            if lib.outside.contains(first) {
                continue;
            }
            match lib.room_of(first) {
                Some(to) if to == from => {}
                Some(to) => arrows.push(Arrow {
                    from: from.clone(),
                    to: to.to_string(),
                    file: shown.clone(),
                    line,
                }),
                None => strays.push(format!(
                    "{}:{line}: `crate::{first}` is in no room (lib.rs is to hold only the map)",
                    shown.display()
                )),
            }
        }
    }
    Ok((arrows, strays))
}

/// The arrows that run up (or sideways) the list in `lib.rs`.
fn upward(lib: &Root, arrows: &[Arrow]) -> Vec<String> {
    arrows
        .iter()
        .filter(|a| match (lib.floor(&a.from), lib.floor(&a.to)) {
            (Some(from), Some(to)) => to <= from,
            _ => false,
        })
        .map(|a| {
            format!(
                "{}:{}: `{}` uses `{}`, which lib.rs does not list below it",
                a.file.display(),
                a.line,
                a.from,
                a.to
            )
        })
        .collect()
}

/// One heading of the README's Layout: what it says of itself, and the names it lists under
/// it (each line indented by two spaces names one or more, before its description).
#[derive(Debug, Default, PartialEq, Eq)]
struct Section {
    heading: String,
    text: String,
    entries: Vec<String>,
}

/// The README's Layout: the first code block after the `## Layout` heading.
fn layout_sections(readme: &str) -> Vec<Section> {
    let after = readme.split("\n## Layout\n").nth(1).unwrap_or_default();
    let block = after.split("```").nth(1).unwrap_or_default();
    let mut sections: Vec<Section> = Vec::new();
    let mut in_entry = false;
    for line in block.lines().skip(1) {
        let names = |l: &str| l.split("  ").next().unwrap_or_default().to_string();
        let Some(section) = (if line.starts_with(' ') {
            sections.last_mut()
        } else {
            let heading = names(line);
            let text = line[heading.len()..].trim().to_string();
            in_entry = false;
            sections.push(Section {
                heading,
                text,
                ..Section::default()
            });
            continue;
        }) else {
            continue;
        };
        if line.starts_with("  ") && !line.starts_with("   ") {
            in_entry = true;
            let listed = names(line.trim_start());
            let listed = listed.split(',').map(str::trim).filter(|n| !n.is_empty());
            section.entries.extend(listed.map(str::to_string));
        } else if !in_entry {
            section.text.push(' ');
            section.text.push_str(line.trim());
        }
    }
    sections
}

/// What the README's section for `mapped` gets wrong: names that do not exist, rooms it leaves
/// out, rooms out of lib.rs's order.
fn section_problems(root: &Path, mapped: &Mapped, lib: &Root, section: &Section) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for entry in &section.entries {
        let path = format!("{}{entry}", mapped.heading);
        if !root.join(&path).exists() {
            problems.push(format!("README Layout names {path}, which does not exist"));
        }
        let Some(inside) = path.strip_prefix(&format!("{}/", mapped.sources)) else {
            continue;
        };
        let first = inside.split('/').next().unwrap_or_default();
        if let Some(room) = lib.rooms.get(first.trim_end_matches(".rs")) {
            if let Some(previous) = seen.last() {
                if lib.floor(room) < lib.floor(previous) {
                    problems.push(format!(
                        "README Layout lists `{room}` after `{previous}`; lib.rs, above it"
                    ));
                }
            }
            seen.push(room.as_str());
        }
    }
    for room in &lib.rooms {
        if !seen.contains(&room.as_str()) {
            problems.push(format!("README Layout leaves out {}{room}", mapped.heading));
        }
    }
    problems
}

/// The project's crates (`crates/x` is `x`) that the Cargo.toml at `manifest` depends on,
/// tests and benchmarks aside.
fn project_dependencies(manifest: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut in_dependencies = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_dependencies = line.trim() == "[dependencies]";
        } else if in_dependencies {
            if let Some(name) = line.strip_prefix("zenlayer-") {
                let name = name.split([' ', '=']).next();
                found.extend(name.map(str::to_string));
            }
        }
    }
    found
}

/// The crates a section's text says it uses: "Uses a, b and c." or "Uses nothing ..." /
/// "Uses no ...".
fn said_to_use(text: &str) -> Option<BTreeSet<String>> {
    let said = text.split("Uses ").nth(1)?.split('.').next()?;
    if said.starts_with("nothing") || said.starts_with("no ") {
        return Some(BTreeSet::new());
    }
    Some(
        said.split(", ")
            .flat_map(|part| part.split(" and "))
            .map(|name| name.trim().to_string())
            .collect(),
    )
}

/// The workspace's packages (the root's is `src/`), as the README's Layout heads them.
fn packages(root: &Path) -> Result<Vec<String>> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let members = manifest
        .lines()
        .find_map(|l| l.strip_prefix("members = "))
        .context("Cargo.toml lists no workspace members")?;
    let mut headings = vec!["src/".to_string()];
    headings.extend(
        members
            .split('"')
            .skip(1)
            .step_by(2)
            .map(|m| format!("{m}/")),
    );
    Ok(headings)
}

/// What the README says wrongly of the crates' use of each other.
fn crate_problems(root: &Path, sections: &[Section]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for heading in packages(root)? {
        let Some(section) = sections.iter().find(|s| s.heading == heading) else {
            problems.push(format!("README Layout has no line for {heading}"));
            continue;
        };
        let dir = if heading == "src/" { "" } else { &heading };
        let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml"))?;
        let actual = project_dependencies(&manifest);
        match said_to_use(&section.text) {
            Some(said) if said == actual => {}
            said => problems.push(format!(
                "README Layout says {heading} uses {said:?}; its Cargo.toml, {actual:?}"
            )),
        }
    }
    Ok(problems)
}

/// Everything the maps get wrong: the lists in the `lib.rs` of the `mapped` crates, the arrows
/// against them, and the README's Layout.
pub fn problems(root: &Path, mapped: &[Mapped]) -> Result<Vec<String>> {
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    let sections = layout_sections(&readme);
    let mut problems = crate_problems(root, &sections)?;
    for mapped in mapped {
        let lib_path = Path::new(mapped.sources).join("lib.rs");
        let text = std::fs::read_to_string(root.join(&lib_path))?;
        let lib = Root::read(&syn::parse_file(&text)?);
        problems.extend(lib.list_problems(&lib_path.display().to_string()));
        let (arrows, strays) = arrows(root, mapped.sources, &lib)?;
        problems.extend(strays);
        problems.extend(upward(&lib, &arrows));
        match sections.iter().find(|s| s.heading == mapped.heading) {
            Some(section) => problems.extend(section_problems(root, mapped, &lib, section)),
            None => problems.push(format!("README Layout has no line for {}", mapped.heading)),
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maps_are_true() {
        let problems = problems(&crate::run::root(), MAPPED).expect("the sources and README read");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// A crate of two rooms, `a` above `b`, mapped in a README.
    fn two_rooms(b_uses_a: bool, readme_entries: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("dir");
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("write");
        };
        write(
            "Cargo.toml",
            "[workspace]\nmembers = []\n\n[dependencies]\nzenlayer-api = \"1\"\n",
        );
        write(
            "src/lib.rs",
            "//! Rooms, top to bottom:\n//! - `a`: up.\n//! - `b`: down.\n\nmod a;\nmod b;\n",
        );
        write("src/a.rs", "use crate::b::B;\n");
        let b = if b_uses_a {
            "pub struct B(crate::a::A);\n"
        } else {
            "pub struct B;\n"
        };
        write("src/b.rs", b);
        let readme = format!(
            "# x\n\n## Layout\n\n```\nsrc/                the crate. Uses api.\n{readme_entries}```\n"
        );
        write("README.md", &readme);
        let mapped = [Mapped {
            sources: "src",
            heading: "src/",
        }];
        problems(dir.path(), &mapped).expect("read")
    }

    #[test]
    fn a_true_map_has_no_problem() {
        let problems = two_rooms(false, "  a.rs              up\n  b.rs              down\n");
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn an_arrow_up_is_found_with_its_line() {
        let problems = two_rooms(true, "  a.rs              up\n  b.rs              down\n");
        assert_eq!(
            problems,
            ["src/b.rs:1: `b` uses `a`, which lib.rs does not list below it"]
        );
    }

    #[test]
    fn a_readme_out_of_order_or_short_is_found() {
        let problems = two_rooms(
            false,
            "  b.rs, a.rs        both\n  c.rs              gone\n",
        );
        assert_eq!(
            problems,
            [
                "README Layout lists `a` after `b`; lib.rs, above it",
                "README Layout names src/c.rs, which does not exist",
            ]
        );
        let problems = two_rooms(false, "  a.rs              up\n");
        assert_eq!(problems, ["README Layout leaves out src/b"]);
    }

    #[test]
    fn what_a_crate_is_said_to_use_is_read() {
        let said = |text: &str| said_to_use(text).map(|s| s.into_iter().collect::<Vec<_>>());
        assert_eq!(
            said("the provider. Uses api, protocol and words. lib.rs maps it"),
            Some(vec!["api".into(), "protocol".into(), "words".into()])
        );
        assert_eq!(said("facts. Uses nothing of the project."), Some(vec![]));
        assert_eq!(said("no claim"), None);
    }
}
