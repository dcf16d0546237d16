//! Reads `vagrant ssh-config` and writes the lab's own OpenSSH config, so
//! every later SSH connection (provisioning here, checks in `verify`, `lab
//! ssh`) uses exactly the address, port, user and key Vagrant uses, without
//! calling Vagrant again (each `vagrant` call costs seconds).
//!
//! `vagrant ssh-config` prints OpenSSH client configuration (ssh_config(5)):
//! `Host <name>` lines, each followed by indented `Keyword value` lines.
//! Keywords are case-insensitive; a value may be separated by whitespace or
//! `=`, and may be double-quoted (Vagrant quotes `IdentityFile` paths that
//! contain spaces); `IdentityFile` may repeat; `#` starts a comment line.

use crate::error::{LabError, Result};

/// One `Host` block, with the options Vagrant emits typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SshHost {
    /// The `Host` pattern: Vagrant's machine name.
    pub host: String,
    pub hostname: Option<String>,
    pub user: Option<String>,
    pub port: Option<u16>,
    pub user_known_hosts_file: Option<String>,
    pub strict_host_key_checking: Option<String>,
    pub password_authentication: Option<String>,
    /// Every `IdentityFile`, in order (ssh tries them in that order).
    pub identity_files: Vec<String>,
    pub identities_only: Option<String>,
    pub log_level: Option<String>,
    /// The whole command line, as written.
    pub proxy_command: Option<String>,
    /// Any other option (`PubkeyAcceptedKeyTypes`, `HostKeyAlgorithms`,
    /// `ForwardAgent`, ...), with the keyword as written, in order.
    pub other: Vec<(String, String)>,
}

/// Split a config line into keyword and value (`Key value`, `Key=value`,
/// `Key = value`).
fn split_line(line: &str) -> (&str, &str) {
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let key = &line[..end];
    let mut rest = line[end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    (key, rest.trim_end())
}

/// Remove one pair of surrounding double quotes.
fn unquote(v: &str) -> &str {
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Parse `vagrant ssh-config` output into one entry per `Host` block.
pub fn parse(text: &str) -> Result<Vec<SshHost>> {
    let mut hosts: Vec<SshHost> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = split_line(line);
        let bad = |what: &str| LabError::Step {
            step: "vagrant ssh-config".into(),
            message: format!("its output, line {}: {what}: {raw}", i + 1),
        };
        if key.eq_ignore_ascii_case("host") {
            let name = unquote(value);
            if name.is_empty() || name.contains(char::is_whitespace) {
                return Err(bad("expected exactly one host name after Host"));
            }
            hosts.push(SshHost {
                host: name.to_string(),
                ..SshHost::default()
            });
            continue;
        }
        if key.eq_ignore_ascii_case("match") {
            return Err(bad("Match blocks are not expected from vagrant ssh-config"));
        }
        let Some(h) = hosts.last_mut() else {
            return Err(bad("option before any Host line"));
        };
        let v = unquote(value).to_string();
        match key.to_ascii_lowercase().as_str() {
            "hostname" => h.hostname = Some(v),
            "user" => h.user = Some(v),
            "port" => h.port = Some(v.parse().map_err(|_| bad("Port is not a port number"))?),
            "userknownhostsfile" => h.user_known_hosts_file = Some(v),
            "stricthostkeychecking" => h.strict_host_key_checking = Some(v),
            "passwordauthentication" => h.password_authentication = Some(v),
            "identityfile" => h.identity_files.push(v),
            "identitiesonly" => h.identities_only = Some(v),
            "loglevel" => h.log_level = Some(v),
            // The command is kept whole: its quotes belong to the shell that runs it.
            "proxycommand" => h.proxy_command = Some(value.to_string()),
            _ => h.other.push((key.to_string(), value.to_string())),
        }
    }
    Ok(hosts)
}

/// Quote a value for ssh_config when it contains blanks.
fn quote(v: &str) -> String {
    if v.is_empty() || v.contains(char::is_whitespace) {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

/// How the written config checks host keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeys<'a> {
    /// Exactly as Vagrant does (`UserKnownHostsFile /dev/null`,
    /// `StrictHostKeyChecking no`): any key is accepted, none is remembered.
    AsVagrant,
    /// The lab's own known-hosts file: keys are learned on the first
    /// connection (`accept-new`) and checked from then on. The file lives and
    /// dies with the lab's state folder, as the VMs do, so a re-created lab
    /// starts afresh; and a client that insists on strict checking
    /// (`StrictHostKeyChecking=yes` on its command line) still connects,
    /// which it never can with `/dev/null`.
    LabFile(&'a std::path::Path),
}

/// Write an OpenSSH client config with one `Host` block per entry, keeping
/// Vagrant's settings (address, port, user, keys, options) as they are, with
/// host keys handled as `keys` says.
pub fn write(hosts: &[SshHost], keys: HostKeys) -> String {
    let mut out = String::from(
        "# Written by `lab` from `vagrant ssh-config`: one Host per node of the lab.\n",
    );
    for h in hosts {
        out.push_str(&format!("\nHost {}\n", h.host));
        let mut opt = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                out.push_str(&format!("  {k} {}\n", quote(v)));
            }
        };
        opt("HostName", &h.hostname);
        opt("User", &h.user);
        opt("Port", &h.port.map(|p| p.to_string()));
        match keys {
            HostKeys::AsVagrant => {
                opt("UserKnownHostsFile", &h.user_known_hosts_file);
                opt("StrictHostKeyChecking", &h.strict_host_key_checking);
            }
            HostKeys::LabFile(path) => {
                opt("UserKnownHostsFile", &Some(path.display().to_string()));
                opt("StrictHostKeyChecking", &Some("accept-new".to_string()));
            }
        }
        opt("PasswordAuthentication", &h.password_authentication);
        for f in &h.identity_files {
            opt("IdentityFile", &Some(f.clone()));
        }
        opt("IdentitiesOnly", &h.identities_only);
        opt("LogLevel", &h.log_level);
        if let Some(p) = &h.proxy_command {
            out.push_str(&format!("  ProxyCommand {p}\n"));
        }
        for (k, v) in &h.other {
            out.push_str(&format!("  {k} {v}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two machines, as `vagrant ssh-config` prints them (VirtualBox: both on
    /// 127.0.0.1 with forwarded ports), with a quoted key path.
    const TWO: &str = "Host master
  HostName 127.0.0.1
  User vagrant
  Port 2222
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  PasswordAuthentication no
  IdentityFile \"/home/a user/lab/.lab/chapter4/.vagrant/machines/master/virtualbox/private_key\"
  IdentitiesOnly yes
  LogLevel FATAL
  PubkeyAcceptedKeyTypes +ssh-rsa
  HostKeyAlgorithms +ssh-rsa

Host node1
  HostName 127.0.0.1
  User vagrant
  Port 2200
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  PasswordAuthentication no
  IdentityFile /root/.lab/chapter4/.vagrant/machines/node1/virtualbox/private_key
  IdentityFile /root/.vagrant.d/insecure_private_key
  IdentitiesOnly yes
  LogLevel FATAL

";

    #[test]
    fn reads_two_hosts() {
        let hosts = parse(TWO).unwrap();
        assert_eq!(hosts.len(), 2);
        let m = &hosts[0];
        assert_eq!(m.host, "master");
        assert_eq!(m.hostname.as_deref(), Some("127.0.0.1"));
        assert_eq!(m.user.as_deref(), Some("vagrant"));
        assert_eq!(m.port, Some(2222));
        assert_eq!(m.user_known_hosts_file.as_deref(), Some("/dev/null"));
        assert_eq!(m.strict_host_key_checking.as_deref(), Some("no"));
        assert_eq!(m.password_authentication.as_deref(), Some("no"));
        assert_eq!(
            m.identity_files,
            vec!["/home/a user/lab/.lab/chapter4/.vagrant/machines/master/virtualbox/private_key"]
        );
        assert_eq!(m.identities_only.as_deref(), Some("yes"));
        assert_eq!(m.log_level.as_deref(), Some("FATAL"));
        assert_eq!(
            m.other,
            vec![
                ("PubkeyAcceptedKeyTypes".into(), "+ssh-rsa".into()),
                ("HostKeyAlgorithms".into(), "+ssh-rsa".into())
            ]
        );
        let n = &hosts[1];
        assert_eq!((n.host.as_str(), n.port), ("node1", Some(2200)));
        assert_eq!(n.identity_files.len(), 2, "IdentityFile repeats");
    }

    #[test]
    fn odd_syntax() {
        let text = "# comment\nhost web\n\thostname=192.168.121.10\n  PORT = 22\n  proxycommand ssh -W %h:%p -q \"jump host\"\n";
        let hosts = parse(text).unwrap();
        assert_eq!(hosts[0].hostname.as_deref(), Some("192.168.121.10"));
        assert_eq!(hosts[0].port, Some(22));
        assert_eq!(
            hosts[0].proxy_command.as_deref(),
            Some("ssh -W %h:%p -q \"jump host\"")
        );
    }

    #[test]
    fn rejects_what_vagrant_never_prints() {
        assert!(parse("HostName 1.2.3.4\n").is_err());
        assert!(parse("Host a\n  Port many\n").is_err());
        assert!(parse("Host a b\n").is_err());
    }

    #[test]
    fn written_config_reads_back_the_same() {
        let hosts = parse(TWO).unwrap();
        let text = write(&hosts, HostKeys::AsVagrant);
        assert!(text.contains("  IdentityFile \"/home/a user/lab/"));
        assert!(text.contains("\nHost node1\n  HostName 127.0.0.1\n  User vagrant\n  Port 2200\n"));
        assert_eq!(parse(&text).unwrap(), hosts);
    }

    #[test]
    fn lab_known_hosts_replace_only_the_host_key_settings() {
        let hosts = parse(TWO).unwrap();
        let path = std::path::Path::new("/w/.lab/chapter4/known_hosts");
        let back = parse(&write(&hosts, HostKeys::LabFile(path))).unwrap();
        for (b, h) in back.iter().zip(&hosts) {
            assert_eq!(
                b.user_known_hosts_file.as_deref(),
                Some("/w/.lab/chapter4/known_hosts")
            );
            assert_eq!(b.strict_host_key_checking.as_deref(), Some("accept-new"));
            let mut b = b.clone();
            b.user_known_hosts_file = h.user_known_hosts_file.clone();
            b.strict_host_key_checking = h.strict_host_key_checking.clone();
            assert_eq!(&b, h);
        }
    }
}
