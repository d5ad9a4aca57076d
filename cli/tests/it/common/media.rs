//! Real audio and video made by a real encoder (ffmpeg) at test time, and
//! an independent decoder (ffmpeg again) to check what Kiln produced.

use super::TestApp;
use kiln_proto::Role;
use kiln_workers::Outcome;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Seconds of audio in every generated source.
pub const SECS: f64 = 3.0;
/// How far an MP3's decoded length may be from the source's.
pub const TOLERANCE: f64 = 0.050;

/// Whether ffmpeg can be used. Under `CI=true` its absence fails the test
/// (`.ci/run` installs it); elsewhere the caller skips with a message.
pub fn ffmpeg_available() -> bool {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "ffmpeg is required under CI=true (apt-get install ffmpeg)"
        );
        eprintln!("skipping: ffmpeg is not installed");
    }
    ok
}

/// A sine tone of `secs` seconds at 44.1 kHz, as ffmpeg input arguments.
pub fn tone(secs: f64) -> Vec<String> {
    args(&format!(
        "-f lavfi -i sine=frequency=440:sample_rate=44100:duration={secs}"
    ))
}

/// A 320×240, 25 fps test picture of `secs` seconds, as ffmpeg input arguments.
pub fn picture(secs: f64) -> Vec<String> {
    args(&format!(
        "-f lavfi -i testsrc=size=320x240:rate=25:duration={secs}"
    ))
}

/// Splits a space-separated argument list (no shell involved).
pub fn args(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

/// Runs ffmpeg with `inputs` then `output_args`, writing `dir/name`; returns
/// the file's bytes.
pub fn make(dir: &Path, name: &str, inputs: &[String], output_args: &str) -> Vec<u8> {
    let path = dir.join(name);
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(inputs)
        .args(args(output_args))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffmpeg making {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&path).unwrap()
}

/// What an independent decoder makes of an MP3.
#[derive(Debug)]
pub struct Decoded {
    /// Seconds of audio decoded (samples ÷ rate, after gapless trimming).
    pub seconds: f64,
    /// Sample rate.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u32,
    /// Codec name as ffprobe reports it.
    pub codec: String,
    /// ID3 tags, lowercase keys.
    pub tags: serde_json::Map<String, serde_json::Value>,
}

/// Probes and fully decodes `bytes` with ffprobe/ffmpeg; panics if the
/// decoder reports any error (a player would stumble there too).
pub fn decode(dir: &Path, bytes: &[u8]) -> Decoded {
    let path = dir.join(format!("decoded-{}.mp3", kiln_adapters::new_id()));
    std::fs::write(&path, bytes).unwrap();
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_streams",
            "-show_format",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        probe.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let stream = &v["streams"][0];
    let sample_rate: u32 = stream["sample_rate"].as_str().unwrap().parse().unwrap();
    let channels = stream["channels"].as_u64().unwrap() as u32;
    let tags = v["format"]["tags"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.to_lowercase(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    // A full decode to 16-bit PCM: the sample count is the playable length.
    let pcm = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(&path)
        .args(["-f", "s16le", "-acodec", "pcm_s16le", "-"])
        .output()
        .unwrap();
    assert!(
        pcm.status.success() && pcm.stderr.is_empty(),
        "decoding the MP3: {}",
        String::from_utf8_lossy(&pcm.stderr)
    );
    let frames = pcm.stdout.len() as f64 / 2.0 / channels as f64;
    Decoded {
        seconds: frames / sample_rate as f64,
        sample_rate,
        channels,
        codec: stream["codec_name"].as_str().unwrap_or_default().to_owned(),
        tags,
    }
}

/// `SECS` of tone (under a test picture when `video`), encoded by ffmpeg
/// with `out_args` into `dir/name`.
pub fn source(dir: &std::path::Path, name: &str, video: bool, out_args: &str) -> Vec<u8> {
    let mut inputs = Vec::new();
    if video {
        inputs.extend(picture(SECS));
    }
    inputs.extend(tone(SECS));
    make(dir, name, &inputs, out_args)
}

/// Uploads with `convert=mp3&{extra}`, runs the convert job, returns the job.
pub async fn convert(t: &TestApp, bytes: Vec<u8>, name: &str, extra: &str) -> (Outcome, Value) {
    let (code, up) = t
        .upload_raw(bytes, name, &format!("convert=mp3&metadata=false&{extra}"))
        .await;
    assert_eq!(code, 202, "{name}: {up}");
    let jobs = up["jobs"].as_array().unwrap();
    assert_eq!(
        jobs.len(),
        1,
        "{name}: only the conversion (no thumbnails for media): {up}"
    );
    assert_eq!(jobs[0]["kind"], "convert");
    let outcome = t.run_one(Role::Convert).await;
    let (_, job) = t.get_json(jobs[0]["url"].as_str().unwrap()).await;
    (outcome, job)
}
