// The drag data type of a media card dragged within the library (its id).
export const MEDIA_DRAG_TYPE = 'application/x-dailies-media';
