//! The email itself: subject and body say which file, what finished, and
//! give the download links (or the reason it failed), as text and HTML.

use crate::JobError;
use kiln_core::{FileRecord, JobRecord, User};
use kiln_proto::JobStatus;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// Everything one email is about.
pub(crate) struct Email<'a> {
    pub user: &'a User,
    pub job: &'a JobRecord,
    pub status: JobStatus,
    pub file: Option<&'a FileRecord>,
    pub outputs: &'a [FileRecord],
    pub public_url: &'a str,
    /// Makes the download URL of an output.
    pub download_url: &'a (dyn Fn(&str) -> String + Sync),
    /// The dedupe key, also the Message-ID, so a mail client folds any
    /// duplicate that slipped through.
    pub key: &'a str,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Email<'_> {
    fn links(&self) -> Vec<(String, String)> {
        self.outputs
            .iter()
            .map(|o| {
                let name = o.filename.clone().unwrap_or_else(|| o.id.clone());
                (name, (self.download_url)(&o.id))
            })
            .collect()
    }

    /// The message, from `from` to the job's owner.
    pub fn build(&self, from: &Mailbox) -> Result<Message, JobError> {
        let name = self
            .file
            .and_then(|f| f.filename.clone())
            .unwrap_or_else(|| self.job.file_id.clone());
        let what = self.job.kind.noun();
        let ok = self.status == JobStatus::Succeeded;
        let subject = if ok {
            format!("Kiln: the {what} of {name} is ready")
        } else {
            format!("Kiln: the {what} of {name} failed")
        };
        let job_url = format!("{}/v1/jobs/{}", self.public_url, self.job.id);
        let reason = self
            .job
            .error
            .clone()
            .unwrap_or_else(|| "no reason was recorded".into());
        let links = self.links();
        let mut text = format!("Hello {},\n\n", self.user.name);
        let mut html = format!("<p>Hello {},</p>", escape(&self.user.name));
        if ok {
            text += &format!("the {what} of {name} finished.\n\n");
            html += &format!(
                "<p>The {what} of <b>{}</b> finished.</p><ul>",
                escape(&name)
            );
            for (n, url) in &links {
                text += &format!("  {n}: {url}\n");
                html += &format!("<li><a href=\"{}\">{}</a></li>", escape(url), escape(n));
            }
            html += "</ul>";
        } else {
            text += &format!("the {what} of {name} failed: {reason}\n");
            html += &format!(
                "<p>The {what} of <b>{}</b> failed: {}</p>",
                escape(&name),
                escape(&reason)
            );
        }
        text += &format!("\nJob: {job_url}\n");
        html += &format!("<p>Job: <a href=\"{0}\">{0}</a></p>", escape(&job_url));
        let to = Mailbox::new(
            Some(self.user.name.clone()),
            self.user.email.parse().map_err(|e| {
                JobError::Abort(
                    format!(
                        "the account's address {:?} cannot receive mail: {e}",
                        self.user.email
                    )
                    .into(),
                )
            })?,
        );
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{}@kiln>", self.key.replace(':', "."))))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            )
            .map_err(|e| JobError::Abort(format!("could not build the email: {e}").into()))
    }
}
