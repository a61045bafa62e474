-- What an HDR source is (JSON of the protocol's HdrSource); NULL for SDR.
ALTER TABLE media ADD COLUMN hdr_json TEXT;
