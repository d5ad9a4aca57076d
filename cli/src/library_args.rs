//! The arguments of the library commands (`kiln ls`, `album`, `share`, ...),
//! parsed by clap and handed as they are to [`crate::library_client`].

use crate::library_client::Remote;
use clap::Subcommand;
use kiln_proto::api::FileListQuery;

/// Which gateway, as whom, and how to print.
#[derive(clap::Args)]
pub struct RemoteArgs {
    /// Gateway URL [default: the server of the last `kiln login`, else
    /// http://127.0.0.1:8080].
    #[arg(long, global = true, env = "KILN_SERVER")]
    pub server: Option<String>,
    /// Access token or API key, when the gateway has accounts on
    /// [default: the key `kiln login` stored for the server].
    #[arg(long, global = true, env = "KILN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print JSON for scripts instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

impl RemoteArgs {
    /// The gateway to call, and the credential: the flags, else what
    /// `kiln login` stored.
    pub fn remote(&self) -> Remote {
        let profiles = crate::login::profiles::Profiles::load().unwrap_or_else(|e| {
            eprintln!("kiln: {e:#}; going on without stored sign-ins");
            Default::default()
        });
        let server = profiles.server(self.server.as_deref());
        let token = self
            .token
            .clone()
            .or_else(|| profiles.servers.get(&server).map(|p| p.key.clone()));
        Remote { server, token }
    }
}

/// The filters of `kiln ls` (the query of `GET /v1/files`).
#[derive(clap::Args)]
pub struct LsFilters {
    /// image, video, audio or other.
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// Text in the name, tags or description.
    #[arg(short, long)]
    pub q: Option<String>,
    /// Only this album's files (in its order).
    #[arg(long)]
    pub album: Option<String>,
    /// Uploaded at or after (RFC 3339).
    #[arg(long)]
    pub uploaded_after: Option<String>,
    /// Uploaded before (RFC 3339).
    #[arg(long)]
    pub uploaded_before: Option<String>,
    /// Camera maker (whole, any case).
    #[arg(long)]
    pub camera_make: Option<String>,
    /// Camera model (whole, any case).
    #[arg(long)]
    pub camera_model: Option<String>,
    /// Lens (whole, any case).
    #[arg(long)]
    pub lens: Option<String>,
    /// Taken at or after (RFC 3339).
    #[arg(long)]
    pub taken_after: Option<String>,
    /// Taken before (RFC 3339).
    #[arg(long)]
    pub taken_before: Option<String>,
    /// Only with (true) or without (false) a GPS position.
    #[arg(long)]
    pub has_gps: Option<bool>,
    /// min_lon,min_lat,max_lon,max_lat.
    #[arg(long, allow_hyphen_values = true)]
    pub bbox: Option<String>,
    /// portrait or landscape.
    #[arg(long)]
    pub orientation: Option<String>,
    /// At least this wide, pixels.
    #[arg(long)]
    pub min_width: Option<u32>,
    /// At least this tall, pixels.
    #[arg(long)]
    pub min_height: Option<u32>,
    /// At least this long, seconds.
    #[arg(long)]
    pub min_duration: Option<f64>,
    /// At most this long, seconds.
    #[arg(long)]
    pub max_duration: Option<f64>,
    /// newest, oldest or album.
    #[arg(long)]
    pub sort: Option<String>,
    /// Page size (1 to 200).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Continue from a page's cursor.
    #[arg(long)]
    pub cursor: Option<String>,
}

impl LsFilters {
    /// The query of `GET /v1/files`.
    pub fn query(self) -> FileListQuery {
        let s = |v: Option<u32>| v.map(|n| n.to_string());
        let f = |v: Option<f64>| v.map(|n| n.to_string());
        FileListQuery {
            kind: self.kind,
            q: self.q,
            album: self.album,
            uploaded_after: self.uploaded_after,
            uploaded_before: self.uploaded_before,
            camera_make: self.camera_make,
            camera_model: self.camera_model,
            lens: self.lens,
            taken_after: self.taken_after,
            taken_before: self.taken_before,
            has_gps: self.has_gps.map(|b| b.to_string()),
            bbox: self.bbox,
            orientation: self.orientation,
            min_width: s(self.min_width),
            min_height: s(self.min_height),
            min_duration: f(self.min_duration),
            max_duration: f(self.max_duration),
            sort: self.sort,
            limit: s(self.limit),
            cursor: self.cursor,
        }
    }
}

/// What `kiln album` does.
#[derive(Debug, Clone, Subcommand)]
pub enum AlbumAction {
    /// Make an album.
    Create {
        /// Its name.
        name: String,
        /// A description.
        #[arg(long)]
        description: Option<String>,
    },
    /// List your albums.
    #[command(name = "ls")]
    List,
    /// An album and its files, in its order.
    Show {
        /// Album id.
        id: String,
    },
    /// Add files to an album.
    Add {
        /// Album id.
        id: String,
        /// File ids.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Take files out of an album (they are kept).
    Remove {
        /// Album id.
        id: String,
        /// File ids.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Rename an album.
    Rename {
        /// Album id.
        id: String,
        /// New name.
        name: String,
    },
    /// Delete an album (never its files).
    Delete {
        /// Album id.
        id: String,
    },
}

/// What `kiln share` does.
#[derive(Debug, Clone, Subcommand)]
pub enum ShareAction {
    /// Make a link to a file or an album.
    Create {
        /// A file id.
        #[arg(long, conflicts_with = "album", required_unless_present = "album")]
        file: Option<String>,
        /// An album id.
        #[arg(long)]
        album: Option<String>,
        /// Seconds it works [default: until revoked].
        #[arg(long)]
        expires: Option<u64>,
        /// Let visitors download originals (default: thumbnails only).
        #[arg(long)]
        download: bool,
    },
    /// List your links.
    #[command(name = "ls")]
    List,
    /// Revoke a link (it then answers 404).
    Revoke {
        /// Share id.
        id: String,
    },
}
