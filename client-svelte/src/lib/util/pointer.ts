// Pointer capture that never throws: a pointer that already ended (or a synthetic one)
// cannot be captured, and that must not cost the stroke.
export function capture(el: Element, pointerId: number): void {
  try {
    el.setPointerCapture(pointerId);
  } catch {
    /* the stroke still works while the pointer stays over the element */
  }
}
