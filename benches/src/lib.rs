//! The benches live in `benches/` (`cargo bench -p faas-benches`); this
//! library is empty.
