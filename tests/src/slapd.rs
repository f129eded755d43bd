//! A real OpenLDAP `slapd` (Debian's `slapd` package) for the directory tests: its own
//! `slapd.conf` and mdb database in a temporary directory, on 127.0.0.1 and a free port,
//! with a base `dc=example,dc=test`, a service account that may read people and groups
//! (never passwords), the memberof overlay (so `memberOf` follows `groupOfNames`), and
//! optionally TLS (ldaps:// and StartTLS) with a certificate from a CA generated for the
//! test. Entries are loaded and changed with the OpenLDAP tools (`ldapadd`, `ldapmodify`,
//! `ldapdelete`); passwords are stored `{SSHA}`-hashed by `slappasswd`. Stopped (its process
//! group killed) when dropped.
//!
//! The server allows unauthenticated binds (`allow bind_anon_dn`: a DN with an empty
//! password succeeds as anonymous, RFC 4513 §5.1.2), so a test can show that Twofold
//! refuses an empty password itself.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::error::Error;
use crate::temp::temp_dir;
use crate::Result;

pub const BASE_DN: &str = "dc=example,dc=test";
pub const PEOPLE_DN: &str = "ou=people,dc=example,dc=test";
pub const GROUPS_DN: &str = "ou=groups,dc=example,dc=test";
pub const ADMIN_DN: &str = "cn=admin,dc=example,dc=test";
pub const SERVICE_DN: &str = "cn=twofold,ou=services,dc=example,dc=test";
const ADMIN_PASSWORD: &str = "admin-secret-for-tests";
pub const SERVICE_PASSWORD: &str = "service-secret-for-tests";

/// The test CA and the server certificate it signed (for `localhost` and 127.0.0.1).
pub struct TestTls {
    /// PEM of the CA certificate: what `[directory] ca_file` points to.
    pub ca_file: PathBuf,
    /// A second CA that signed nothing: trusting only it must fail.
    pub other_ca_file: PathBuf,
}

pub struct Slapd {
    /// `ldap://127.0.0.1:PORT` (StartTLS offered when TLS is on).
    pub url: String,
    /// `ldaps://localhost:PORT` when TLS is on.
    pub ldaps_url: Option<String>,
    /// `ldap://localhost:PORT`: the host name the certificate names, for StartTLS.
    pub starttls_url: Option<String>,
    pub tls: Option<TestTls>,
    child: Option<Child>,
    log: PathBuf,
    dir: TempDir,
}

impl Slapd {
    /// A plain-LDAP slapd with the base, `ou=people`, `ou=groups` and the service account.
    pub fn start() -> Result<Self> {
        Self::start_inner(false)
    }

    /// The same with ldaps:// and StartTLS under a CA generated now.
    pub fn start_with_tls() -> Result<Self> {
        Self::start_inner(true)
    }

    fn start_inner(tls: bool) -> Result<Self> {
        let dir = temp_dir("slapd")?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data)?;
        let tls_files = if tls {
            Some(write_tls(dir.path())?)
        } else {
            None
        };
        let conf = dir.path().join("slapd.conf");
        std::fs::write(&conf, config(dir.path(), &data, tls)?)?;
        let log = dir.path().join("slapd.log");
        let mut last = Error::new("slapd did not start");
        // A port found free may be taken again before slapd binds it: try a few.
        for _ in 0..5 {
            let port = free_port()?;
            let tls_port = if tls { Some(free_port()?) } else { None };
            let mut listeners = format!("ldap://127.0.0.1:{port}/");
            if let Some(p) = tls_port {
                listeners.push_str(&format!(" ldaps://127.0.0.1:{p}/"));
            }
            let mut child = Command::new(slapd_path())
                .arg("-d")
                .arg("256")
                .arg("-f")
                .arg(&conf)
                .arg("-h")
                .arg(&listeners)
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log)?)
                .process_group(0)
                .spawn()
                .map_err(|e| {
                    Error::new(format!(
                        "cannot run slapd ({e}); install it: scripts/setup.sh test"
                    ))
                })?;
            match wait_ready(&mut child, port, &log) {
                Ok(()) => {
                    let slapd = Slapd {
                        url: format!("ldap://127.0.0.1:{port}"),
                        ldaps_url: tls_port.map(|p| format!("ldaps://localhost:{p}")),
                        starttls_url: tls.then(|| format!("ldap://localhost:{port}")),
                        tls: tls_files,
                        child: Some(child),
                        log,
                        dir,
                    };
                    slapd.load_base()?;
                    return Ok(slapd);
                }
                Err(e) => {
                    kill_group(&mut child);
                    last = e;
                }
            }
        }
        Err(last)
    }

    fn load_base(&self) -> Result<()> {
        let service_hash = slappasswd(SERVICE_PASSWORD)?;
        self.add(&format!(
            "dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
             dn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people\n\n\
             dn: {GROUPS_DN}\nobjectClass: organizationalUnit\nou: groups\n\n\
             dn: ou=services,{BASE_DN}\nobjectClass: organizationalUnit\nou: services\n\n\
             dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: twofold\nuserPassword: {service_hash}\n"
        ))
    }

    /// Everything slapd logged (`-d 256`: one line per operation, binds included).
    pub fn log(&self) -> Result<String> {
        Ok(std::fs::read_to_string(&self.log)?)
    }

    /// Adds entries (LDIF) as the directory's administrator.
    pub fn add(&self, ldif: &str) -> Result<()> {
        self.tool("ldapadd", &[], ldif)
    }

    /// Applies an LDIF change (`changetype: modify` ...) as the administrator.
    pub fn modify(&self, ldif: &str) -> Result<()> {
        self.tool("ldapmodify", &[], ldif)
    }

    /// Deletes an entry.
    pub fn delete(&self, dn: &str) -> Result<()> {
        self.tool("ldapdelete", &[dn], "")
    }

    /// Adds `uid=USERNAME,ou=people` (inetOrgPerson) with a hashed password; its DN.
    pub fn add_user(
        &self,
        username: &str,
        given: &str,
        sn: &str,
        mail: &str,
        password: &str,
    ) -> Result<String> {
        let dn = format!("uid={username},{PEOPLE_DN}");
        let hash = slappasswd(password)?;
        self.add(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nuid: {username}\ncn: {given} {sn}\ngivenName: {given}\nsn: {sn}\nmail: {mail}\ntelephoneNumber: +1 555 0100\nuserPassword: {hash}\n"
        ))?;
        Ok(dn)
    }

    /// Adds `cn=NAME,ou=groups` (groupOfNames) with these members; its DN.
    pub fn add_group(&self, name: &str, members: &[&str]) -> Result<String> {
        let dn = format!("cn={name},{GROUPS_DN}");
        let mut ldif = format!("dn: {dn}\nobjectClass: groupOfNames\ncn: {name}\n");
        for m in members {
            ldif.push_str(&format!("member: {m}\n"));
        }
        self.add(&ldif)?;
        Ok(dn)
    }

    /// Whether a simple bind as `dn` with `password` succeeds (`ldapwhoami`), straight to
    /// the server.
    pub fn bind_succeeds(&self, dn: &str, password: &str) -> Result<bool> {
        let out = Command::new("ldapwhoami")
            .args(["-x", "-H", &self.url, "-D", dn, "-w", password])
            .output()?;
        Ok(out.status.success())
    }

    fn tool(&self, tool: &str, args: &[&str], stdin: &str) -> Result<()> {
        use std::io::Write;
        let mut child = Command::new(tool)
            .args(["-x", "-H", &self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::new(format!("cannot run {tool} ({e}); install ldap-utils")))?;
        if let Some(mut input) = child.stdin.take() {
            input.write_all(stdin.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(Error::new(format!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// The temporary directory slapd's files are in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(&mut child);
        }
    }
}

/// Kills slapd's whole process group, so nothing it started outlives the test.
fn kill_group(child: &mut Child) {
    let _ = Command::new("kill")
        // `--`: a negative number is the process group, never read as an option.
        .args(["-s", "KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

fn wait_ready(child: &mut Child, port: u16, log: &Path) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let logged = || std::fs::read_to_string(log).unwrap_or_default();
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(Error::new(format!(
                "slapd exited with {status}: {}",
                logged()
            )));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error::new(format!(
                "slapd did not listen within 10 s: {}",
                logged()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn slapd_path() -> &'static str {
    if Path::new("/usr/sbin/slapd").exists() {
        "/usr/sbin/slapd"
    } else {
        "slapd"
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `{SSHA}` hash of `password`, by OpenLDAP's own `slappasswd`.
pub fn slappasswd(password: &str) -> Result<String> {
    let path = if Path::new("/usr/sbin/slappasswd").exists() {
        "/usr/sbin/slappasswd"
    } else {
        "slappasswd"
    };
    let out = Command::new(path)
        .args(["-h", "{SSHA}", "-s", password])
        .output()
        .map_err(|e| Error::new(format!("cannot run slappasswd ({e}); install slapd")))?;
    if !out.status.success() {
        return Err(Error::new("slappasswd failed"));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn config(dir: &Path, data: &Path, tls: bool) -> Result<String> {
    let admin_hash = slappasswd(ADMIN_PASSWORD)?;
    let tls_lines = if tls {
        format!(
            "TLSCACertificateFile {0}/ca.pem\nTLSCertificateFile {0}/server.pem\nTLSCertificateKeyFile {0}/server.key\n",
            dir.display()
        )
    } else {
        String::new()
    };
    Ok(format!(
        "include /etc/ldap/schema/core.schema\n\
         include /etc/ldap/schema/cosine.schema\n\
         include /etc/ldap/schema/inetorgperson.schema\n\
         modulepath /usr/lib/ldap\n\
         moduleload back_mdb\n\
         moduleload memberof\n\
         pidfile {dir}/slapd.pid\n\
         argsfile {dir}/slapd.args\n\
         allow bind_anon_dn\n\
         {tls_lines}\
         database mdb\n\
         maxsize 268435456\n\
         suffix \"{BASE_DN}\"\n\
         rootdn \"{ADMIN_DN}\"\n\
         rootpw {admin_hash}\n\
         directory {data}\n\
         sizelimit size.soft=500 size.hard=500 size.prtotal=unlimited\n\
         index objectClass eq\n\
         index uid eq\n\
         overlay memberof\n\
         access to attrs=userPassword\n  by anonymous auth\n  by * none\n\
         access to *\n  by dn.exact=\"{SERVICE_DN}\" read\n  by * none\n",
        dir = dir.display(),
        data = data.display(),
    ))
}

/// Writes ca.pem, server.pem, server.key (for localhost and 127.0.0.1) and other-ca.pem.
fn write_tls(dir: &Path) -> Result<TestTls> {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let err = |e: rcgen::Error| Error::new(format!("test certificate: {e}"));
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Twofold test CA");
    let ca = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().map_err(err)?;
    let server_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .map_err(err)?;
    let server = server_params.signed_by(&server_key, &issuer).map_err(err)?;
    let other_key = KeyPair::generate().map_err(err)?;
    let mut other_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    other_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let other = other_params.self_signed(&other_key).map_err(err)?;
    std::fs::write(dir.join("ca.pem"), ca.pem())?;
    std::fs::write(dir.join("server.pem"), server.pem())?;
    std::fs::write(dir.join("server.key"), server_key.serialize_pem())?;
    std::fs::write(dir.join("other-ca.pem"), other.pem())?;
    Ok(TestTls {
        ca_file: dir.join("ca.pem"),
        other_ca_file: dir.join("other-ca.pem"),
    })
}
