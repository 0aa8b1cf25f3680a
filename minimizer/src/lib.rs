//! Minimizer: requirements, solver, explain and drift (issues 4 and 5; not built yet).
