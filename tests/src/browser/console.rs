//! The console's pages without a browser (what a browser with JavaScript off does): plain
//! GETs and form POSTs over HTTP, the session cookie kept by hand, the CSRF token read from
//! the page; and console admins enrolled through the admin API, their TOTP codes computed
//! by oathtool.

use reqwest::header::{self, HeaderMap};

use crate::error::Error;
use crate::inprocess::InProcessServer;
use crate::oath::oathtool;
use crate::Result;

/// A page as the client got it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> Result<String> {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .ok_or_else(|| Error::new(format!("no CSRF field on the page: {}", self.body)))?
            + marker.len();
        let end = self.body[start..]
            .find('"')
            .ok_or_else(|| Error::new("an unterminated CSRF field"))?;
        Ok(self.body[start..start + end].to_owned())
    }
}

/// A browser without JavaScript, on one console.
pub struct Console {
    http: reqwest::Client,
    pub base: String,
    /// `name=value` of the session cookie, once signed in.
    pub cookie: Option<String>,
}

impl Console {
    pub fn new(base: &str) -> Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            cookie: None,
        })
    }

    fn keep_cookie(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default().trim();
            if pair.ends_with('=') || text.contains("Max-Age=0") {
                self.cookie = None;
            } else {
                self.cookie = Some(pair.to_owned());
            }
        }
    }

    async fn read(&mut self, response: reqwest::Response) -> Result<Answer> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        self.keep_cookie(&headers);
        let body = response.text().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    pub async fn get(&mut self, path: &str) -> Result<Answer> {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await?;
        self.read(response).await
    }

    /// A form POST as a browser sends it from this origin (`Origin` and `Sec-Fetch-Site`),
    /// with the fields given (add `("csrf", token)` to pass the check).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Result<Answer> {
        self.post_from(path, form, &self.base.clone(), "same-origin")
            .await
    }

    /// [`post`](Self::post) as if from the page of `origin`, which the browser calls `site`.
    pub async fn post_from(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: &str,
        site: &str,
    ) -> Result<Answer> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::ORIGIN, origin)
            .header("sec-fetch-site", site)
            .form(form);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await?;
        self.read(response).await
    }

    /// A `multipart/form-data` POST from this origin (RFC 7578), as a browser sends a form
    /// with a file input: each part `(name, file name, content)`, the file name `None` for a
    /// plain field.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Result<Answer> {
        let boundary = "----twofold-test-boundary-7f3a9c1e";
        let mut body = Vec::new();
        for (name, file, content) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match file {
                Some(f) => format!("form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream"),
                None => format!("form-data; name=\"{name}\""),
            };
            body.extend_from_slice(
                format!("Content-Disposition: {disposition}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(header::ORIGIN, self.base.clone())
            .header("sec-fetch-site", "same-origin")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = request.send().await?;
        self.read(response).await
    }

    /// Signs in; the answer (303 to the users page on success).
    pub async fn sign_in(&mut self, name: &str, password: &str, code: &str) -> Result<Answer> {
        self.post(
            "/admin/signin",
            &[("name", name), ("password", password), ("code", code)],
        )
        .await
    }
}

/// A console admin of an in-process server: name, password and TOTP secret (base32).
pub struct ConsoleAdmin {
    pub id: String,
    pub name: String,
    pub password: String,
    pub secret: String,
}

impl ConsoleAdmin {
    /// Adds `name` through the admin API (what `twofold-server admin add` calls).
    pub async fn add(server: &InProcessServer, name: &str) -> Result<Self> {
        let password = format!("{name} has a long password");
        let enrolment = server
            .admin_call(
                "POST",
                "/v1/admin/console-admins",
                Some(serde_json::json!({ "name": name, "password": password })),
            )
            .await?;
        let uri = enrolment["otpauth_uri"]
            .as_str()
            .ok_or_else(|| Error::new(format!("no otpauth_uri in {enrolment}")))?;
        Ok(Self {
            id: enrolment["id"].as_str().unwrap_or_default().to_owned(),
            name: name.to_owned(),
            password,
            secret: secret_of(uri)?,
        })
    }

    /// The admin's TOTP code at `now`, from oathtool.
    pub fn code(&self, now: u64) -> Result<String> {
        oathtool(&self.secret, now)
    }
}

/// The `secret` parameter of an `otpauth://` URI.
pub fn secret_of(uri: &str) -> Result<String> {
    let query = uri
        .split_once('?')
        .map(|(_, q)| q)
        .ok_or_else(|| Error::new(format!("no query in {uri}")))?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .map(str::to_owned)
        .ok_or_else(|| Error::new("no secret in the otpauth URI"))
}
