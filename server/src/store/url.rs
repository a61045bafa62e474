//! Parsing `s3://BUCKET[/PREFIX]?endpoint=URL&region=NAME&path_style=true`: pure, so the
//! rules are tested without a bucket.

/// Where an S3 store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Empty, or ending in `/`.
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub path_style: bool,
}

fn decode(s: &str) -> anyhow::Result<String> {
    crate::api::upload::percent_decode(s).map_err(|_| anyhow::anyhow!("storage_url: {s:?} is not UTF-8"))
}

pub fn parse_s3_url(url: &str) -> anyhow::Result<S3Location> {
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| anyhow::anyhow!("storage_url must start with file:// or s3://"))?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
    anyhow::ensure!(
        !bucket.is_empty()
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'),
        "storage_url: {bucket:?} is not a bucket name (lower-case letters, digits, '-', '.')"
    );
    let prefix = prefix.trim_end_matches('/');
    anyhow::ensure!(
        prefix.is_empty() || !prefix.split('/').any(|p| p.is_empty() || p == "." || p == ".."),
        "storage_url: the prefix {prefix:?} has an empty, '.' or '..' part"
    );
    let mut loc = S3Location {
        bucket: bucket.to_string(),
        prefix: if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        },
        endpoint: None,
        region: "us-east-1".into(),
        path_style: false,
    };
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let v = decode(v)?;
        match k {
            "endpoint" => {
                anyhow::ensure!(
                    v.starts_with("http://") || v.starts_with("https://"),
                    "storage_url: endpoint must be an http:// or https:// URL"
                );
                loc.endpoint = Some(v.trim_end_matches('/').to_string());
            }
            "region" => {
                anyhow::ensure!(!v.is_empty(), "storage_url: region is empty");
                loc.region = v;
            }
            "path_style" => {
                loc.path_style = match v.as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => anyhow::bail!("storage_url: path_style is true or false"),
                }
            }
            other => anyhow::bail!("storage_url: unknown parameter {other:?} (endpoint, region, path_style)"),
        }
    }
    Ok(loc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_prefixes_and_parameters() {
        let l = parse_s3_url("s3://dailies?endpoint=http://127.0.0.1:3900&region=garage&path_style=true").unwrap();
        assert_eq!(l.bucket, "dailies");
        assert_eq!(l.prefix, "");
        assert_eq!(l.endpoint.as_deref(), Some("http://127.0.0.1:3900"));
        assert_eq!(l.region, "garage");
        assert!(l.path_style);
        let l = parse_s3_url("s3://media.studio/prod/a/").unwrap();
        assert_eq!(l.prefix, "prod/a/");
        assert_eq!(l.region, "us-east-1");
        assert!(!l.path_style && l.endpoint.is_none());
        let l = parse_s3_url("s3://b?endpoint=https%3A%2F%2Fs3.example.com").unwrap();
        assert_eq!(l.endpoint.as_deref(), Some("https://s3.example.com"));
    }

    #[test]
    fn bad_urls_say_why() {
        for bad in [
            "s3://",
            "s3://Bucket",
            "s3://b/../x",
            "s3://b//x",
            "s3://b?endpoint=ftp://x",
            "s3://b?path_style=yes",
            "s3://b?colour=blue",
            "http://b",
        ] {
            assert!(parse_s3_url(bad).is_err(), "{bad}");
        }
    }
}
