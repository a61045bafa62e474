-- The source's field order when it is interlaced ("tff" or "bff"); NULL for progressive.
ALTER TABLE media ADD COLUMN field_order TEXT;
