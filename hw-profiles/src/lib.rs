//! Hardware and workload profiles (issue 4; not built yet).
