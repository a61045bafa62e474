ALTER TABLE media DROP COLUMN field_order;
