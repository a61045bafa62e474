//! Frames and SMPTE timecode: positions are integer frames at a rational frame rate;
//! timecode (drop-frame at 29.97 and 59.94) is derived for display and parsed back.
