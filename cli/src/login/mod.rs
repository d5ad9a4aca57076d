//! `kiln login`, `logout` and `whoami`: an account from the terminal.
//!
//! `login` signs in once with the password and keeps an API key (not the
//! short-lived access token) for the server, so later commands need no
//! `--token`; `logout` revokes that key on the server and forgets it.

pub mod profiles;

use crate::client::{client, document};
use crate::library_client::print_json;
use anyhow::{Context, bail};
use kiln_proto::api::{AccessToken, CreatedApiKey, Credentials, Me, NewApiKey};
use profiles::{Profile, Profiles};
use std::io::{BufRead, IsTerminal, Write};

/// The flags of `kiln login`.
#[derive(clap::Args)]
pub struct LoginArgs {
    /// Gateway URL [default: the last one signed in to, else
    /// http://127.0.0.1:8080].
    #[arg(long, env = "KILN_SERVER")]
    pub server: Option<String>,
    /// The account's address (asked for when left out).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from standard input (one line) rather than
    /// asking for it, for scripts: `kiln login --email a@b --password-stdin < file`.
    #[arg(long)]
    pub password_stdin: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `kiln login`.
pub async fn login(args: &LoginArgs) -> anyhow::Result<()> {
    let mut profiles = Profiles::load()?;
    let server = profiles.server(args.server.as_deref());
    let email = match &args.email {
        Some(e) => e.trim().to_owned(),
        None => prompt_line("Email: ")?,
    };
    let password = if args.password_stdin {
        read_stdin_line()?
    } else if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ").context("reading the password")?
    } else {
        bail!("no terminal to ask for the password on: pass it with --password-stdin")
    };
    let http = client(None)?;
    let url = |path: &str| format!("{server}{path}");
    let resp = http
        .post(url("/v1/auth/login"))
        .json(&Credentials {
            email: email.clone(),
            password,
        })
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    let token: AccessToken = document(resp).await.context("signing in")?;
    let name = format!(
        "kiln CLI on {} ({})",
        hostname(),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    let resp = client(Some(&token.access_token))?
        .post(url("/v1/api-keys"))
        .json(&NewApiKey { name })
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    let key: CreatedApiKey = document(resp).await.context("making an API key")?;
    // A key made by an earlier login on this machine is replaced: revoke it.
    let old = profiles.servers.insert(
        server.clone(),
        Profile {
            email: email.clone(),
            key: key.key.clone(),
            key_id: key.id.clone(),
        },
    );
    profiles.default_server = Some(server.clone());
    let path = profiles.save()?;
    if let Some(old) = old {
        let _ = revoke(&server, &old).await;
    }
    if args.json {
        print_json(&serde_json::json!({
            "server": server, "email": email, "key_id": key.id, "key_prefix": key.prefix,
            "credentials": path,
        }))
    } else {
        println!(
            "Signed in to {server} as {email}. An API key ({}…) is stored in {}; \
             `kiln logout` revokes it.",
            key.prefix,
            path.display()
        );
        Ok(())
    }
}

/// The flags of `kiln logout` and `kiln whoami`.
#[derive(clap::Args)]
pub struct ServerArgs {
    /// Gateway URL [default: the last one signed in to].
    #[arg(long, env = "KILN_SERVER")]
    pub server: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `kiln logout`: revokes the stored key and forgets it. The key is
/// forgotten even when the server cannot be reached (and that is said).
pub async fn logout(args: &ServerArgs) -> anyhow::Result<()> {
    let mut profiles = Profiles::load()?;
    let server = profiles.server(args.server.as_deref());
    let Some(profile) = profiles.servers.remove(&server) else {
        bail!("not signed in to {server}");
    };
    if profiles.default_server.as_deref() == Some(server.as_str()) {
        profiles.default_server = profiles.servers.keys().next().cloned();
    }
    profiles.save()?;
    let revoked = revoke(&server, &profile).await;
    if args.json {
        return print_json(&serde_json::json!({
            "server": server, "email": profile.email, "revoked": revoked.is_ok(),
        }));
    }
    match revoked {
        Ok(()) => println!(
            "Signed out of {server} ({}); its key is revoked.",
            profile.email
        ),
        Err(e) => println!(
            "Signed out of {server} ({}), but the key could not be revoked ({e:#}): \
             revoke it in the web app's API keys.",
            profile.email
        ),
    }
    Ok(())
}

/// `kiln whoami`: who the stored key (or `KILN_TOKEN`) is on the server.
pub async fn whoami(args: &ServerArgs, token: Option<String>) -> anyhow::Result<()> {
    let profiles = Profiles::load()?;
    let server = profiles.server(args.server.as_deref());
    let token = token.or_else(|| profiles.servers.get(&server).map(|p| p.key.clone()));
    let Some(token) = token else {
        bail!("not signed in to {server}: `kiln login --server {server}`");
    };
    let resp = client(Some(&token))?
        .get(format!("{server}/v1/me"))
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    let me: Me = document(resp).await?;
    if args.json {
        return print_json(&serde_json::json!({ "server": server, "account": me }));
    }
    println!("{} ({}) on {server}", me.email, me.name);
    Ok(())
}

async fn revoke(server: &str, profile: &Profile) -> anyhow::Result<()> {
    let resp = client(Some(&profile.key))?
        .delete(format!("{server}/v1/api-keys/{}", profile.key_id))
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    crate::client::empty(resp).await
}

fn prompt_line(prompt: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("no terminal to ask on: pass --email");
    }
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    read_stdin_line()
}

fn read_stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        bail!("nothing read from standard input");
    }
    Ok(line)
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this machine".into())
}
