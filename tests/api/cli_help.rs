//! The `--help` of every command of the real binary, and which commands it has: `sandbox` only
//! with the `sandbox` feature.

use super::child;

/// The commands whose options come from the settings (`token` has its own).
#[cfg(feature = "sandbox")]
const SETTINGS_COMMANDS: &[&str] = &["serve", "check", "sandbox"];
#[cfg(not(feature = "sandbox"))]
const SETTINGS_COMMANDS: &[&str] = &["serve", "check"];

#[test]
fn every_option_of_serve_check_and_sandbox_has_help_naming_its_variable() {
    for &command in SETTINGS_COMMANDS {
        let output = child::binary_blocking()
            .args([command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&output.stdout);
        // clap prints each option as `  --name <VALUE>`, then its description, `[env: …]`
        // and default on the following lines, up to the next option.
        let lines: Vec<&str> = help.lines().map(str::trim).collect();
        let mut options = 0;
        for (i, head) in lines.iter().enumerate() {
            if !head.starts_with("--")
                || head.starts_with("--help")
                || head.starts_with("--version")
            {
                continue;
            }
            options += 1;
            let block: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| !l.starts_with('-'))
                .copied()
                .collect();
            let text = block.join(" ");
            assert!(
                !text.is_empty() && !text.starts_with("[env"),
                "{command}: no description for {head:?}"
            );
            assert!(
                text.contains("[env: "),
                "{command}: no variable for {head:?}"
            );
        }
        assert!(options > 3, "{help}");
        if command == "sandbox" {
            continue;
        }
        assert!(
            help.contains("Required"),
            "{command} --help does not say which settings are required:\n{help}"
        );
    }
}

#[cfg(not(feature = "sandbox"))]
#[test]
fn without_the_sandbox_feature_the_sandbox_command_is_refused_by_name() {
    // Act
    let output = child::binary_blocking()
        .args(["sandbox", "--port", "0"])
        .output()
        .unwrap();

    // Assert: a usage error naming the command, and no server started.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unrecognized subcommand 'sandbox'"),
        "{stderr}"
    );
    let help = child::binary_blocking().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Commands:"), "{help}");
    assert!(
        !help.lines().any(|l| l.trim_start().starts_with("sandbox ")),
        "sandbox listed:\n{help}"
    );
}
