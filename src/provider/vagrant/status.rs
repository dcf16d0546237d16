//! Reads `vagrant status --machine-readable`, so `lab status` (and the
//! tests) learn each machine's provider and state without scraping the
//! human table.
//!
//! The format is Vagrant's documented machine-readable output: one event per
//! line, `timestamp,target,type,data...`. Inside data, a comma is written as
//! `%!(VAGRANT_COMMA)` and a newline as the two characters `\n`. `target` is
//! the machine name, or empty for events about the whole run (`ui`,
//! `error-exit`, ...).

use std::collections::BTreeMap;

/// What Vagrant says about one machine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Machine {
    pub name: String,
    /// `libvirt`, `virtualbox`, ... (from `provider-name` or `metadata,provider`).
    pub provider: String,
    /// Vagrant's state id: `not_created`, `running`, `poweroff`, `shutoff`, ...
    pub state: String,
    /// The short human text (`not created`), when given.
    pub state_human: String,
}

/// Everything of interest in one `--machine-readable` run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusReport {
    /// Machines in the order Vagrant first mentions them.
    pub machines: Vec<Machine>,
    /// `ui` events: (level, text), unescaped.
    pub ui: Vec<(String, String)>,
    /// `error-exit` events: (error class, message), unescaped.
    pub errors: Vec<(String, String)>,
    /// Lines that are not machine-readable events (warnings a plugin printed).
    pub other: Vec<String>,
}

impl StatusReport {
    /// Machine name → (provider, state).
    pub fn by_name(&self) -> BTreeMap<String, (String, String)> {
        self.machines
            .iter()
            .map(|m| (m.name.clone(), (m.provider.clone(), m.state.clone())))
            .collect()
    }

    pub fn machine(&self, name: &str) -> Option<&Machine> {
        self.machines.iter().find(|m| m.name == name)
    }
}

/// Undo Vagrant's escaping of one data field.
pub fn unescape(field: &str) -> String {
    field
        .replace("%!(VAGRANT_COMMA)", ",")
        .replace("\\n", "\n")
        .replace("\\r", "\r")
}

/// Parse `vagrant status --machine-readable` output.
pub fn parse(text: &str) -> StatusReport {
    let mut report = StatusReport::default();
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let is_event = fields.len() >= 3
            && !fields[0].is_empty()
            && fields[0].bytes().all(|b| b.is_ascii_digit());
        if !is_event {
            report.other.push(line.to_string());
            continue;
        }
        let target = fields[1];
        let kind = fields[2];
        let data: Vec<String> = fields[3..].iter().map(|f| unescape(f)).collect();
        let first = data.first().cloned().unwrap_or_default();
        if target.is_empty() {
            match kind {
                "ui" => report.ui.push((
                    first,
                    data.get(1..).map(|d| d.join(",")).unwrap_or_default(),
                )),
                "error-exit" => report.errors.push((
                    first,
                    data.get(1..).map(|d| d.join(",")).unwrap_or_default(),
                )),
                _ => {}
            }
            continue;
        }
        let idx = match report.machines.iter().position(|m| m.name == target) {
            Some(i) => i,
            None => {
                report.machines.push(Machine {
                    name: target.to_string(),
                    ..Machine::default()
                });
                report.machines.len() - 1
            }
        };
        let m = &mut report.machines[idx];
        match kind {
            "provider-name" => m.provider = first,
            "metadata" if first == "provider" => {
                if let Some(p) = data.get(1) {
                    m.provider = p.clone();
                }
            }
            "state" => m.state = first,
            "state-human-short" => m.state_human = first,
            "ui" => report.ui.push((
                first,
                data.get(1..).map(|d| d.join(",")).unwrap_or_default(),
            )),
            _ => {}
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two machines as `vagrant status --machine-readable` prints them on a
    /// fresh libvirt project (the documented event format).
    const TWO: &str = "1700000000,master,metadata,provider,libvirt
1700000000,node1,metadata,provider,libvirt
1700000000,master,provider-name,libvirt
1700000000,master,state,not_created
1700000000,master,state-human-short,not created
1700000000,master,state-human-long,The machine is not created. Run `vagrant up` to create it.
1700000000,node1,provider-name,libvirt
1700000000,node1,state,running
1700000000,node1,state-human-short,running
1700000000,node1,state-human-long,The Libvirt domain is running. To stop this machine%!(VAGRANT_COMMA) you can run\\n`vagrant halt`.
1700000000,,ui,info,Current machine states:\\n\\nmaster                    not created (libvirt)\\nnode1                     running (libvirt)\\n\\nThis environment represents multiple VMs. The VMs are all listed\\nabove with their current state.
";

    #[test]
    fn reads_two_machines() {
        let r = parse(TWO);
        assert_eq!(r.machines.len(), 2);
        let by = r.by_name();
        assert_eq!(
            by["master"],
            ("libvirt".to_string(), "not_created".to_string())
        );
        assert_eq!(by["node1"], ("libvirt".to_string(), "running".to_string()));
        assert_eq!(r.machine("master").unwrap().state_human, "not created");
        // Order of first mention is kept.
        assert_eq!(r.machines[0].name, "master");
        assert_eq!(r.ui.len(), 1);
        assert_eq!(r.ui[0].0, "info");
        assert!(r.ui[0].1.starts_with("Current machine states:\n\nmaster "));
        assert!(r.other.is_empty() && r.errors.is_empty());
    }

    #[test]
    fn unescapes_commas_and_newlines() {
        assert_eq!(unescape("a%!(VAGRANT_COMMA) b\\nc"), "a, b\nc");
        let r = parse("1,,ui,info,one%!(VAGRANT_COMMA) two\\nthree\n");
        assert_eq!(
            r.ui,
            vec![("info".to_string(), "one, two\nthree".to_string())]
        );
        assert!(r.machines.is_empty());
    }

    #[test]
    fn provider_name_wins_over_nothing_and_metadata_is_enough() {
        let r = parse("1,web,metadata,provider,virtualbox\n1,web,state,poweroff\n");
        assert_eq!(
            r.by_name()["web"],
            ("virtualbox".to_string(), "poweroff".to_string())
        );
    }

    #[test]
    fn odd_lines() {
        let text = "\n\
            Vagrant gems are outdated, a warning printed on stdout\n\
            1700000000,,ui,warn,something%!(VAGRANT_COMMA) odd\n\
            \r\n\
            1700000000,,error-exit,Vagrant::Errors::NoEnvironmentError,A Vagrant environment is required.\\nRun `vagrant init`.\n\
            1700000000,m,state,running\r\n\
            1700000000,m,action,up,start\n";
        let r = parse(text);
        assert_eq!(
            r.other,
            vec!["Vagrant gems are outdated, a warning printed on stdout".to_string()]
        );
        assert_eq!(
            r.ui,
            vec![("warn".to_string(), "something, odd".to_string())]
        );
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].0, "Vagrant::Errors::NoEnvironmentError");
        assert!(r.errors[0].1.contains("required.\nRun"));
        assert_eq!(
            r.machines,
            vec![Machine {
                name: "m".into(),
                provider: String::new(),
                state: "running".into(),
                state_human: String::new()
            }]
        );
    }

    #[test]
    fn empty_output_has_no_machines() {
        assert_eq!(parse(""), StatusReport::default());
    }
}
