//! doctor's own process tree: doctor and every process it started (its Python helpers, Locust,
//! py-spy). Their CPU is doctor's, never the system's load before a test (issue 21 item 10).

use std::collections::{BTreeSet, HashMap};

/// `root` and all its descendants among `(pid, parent)` pairs.
pub fn tree_of(root: u32, processes: &[(u32, Option<u32>)]) -> BTreeSet<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, parent) in processes {
        if let Some(parent) = parent {
            children.entry(*parent).or_default().push(*pid);
        }
    }
    let mut tree = BTreeSet::from([root]);
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for child in children.get(&pid).into_iter().flatten() {
            if tree.insert(*child) {
                stack.push(*child);
            }
        }
    }
    tree
}

/// The system's CPU (% of all cores) without doctor's tree: `tree_cpu` is the sum of the
/// tree's per-process CPU (% of one core, sysinfo's unit) over `cores`.
pub fn cpu_without_tree(global: f32, tree_cpu: f32, cores: usize) -> f32 {
    (global - tree_cpu / cores.max(1) as f32).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_and_its_share_are_left_out() {
        let processes = [
            (1, None),
            (10, Some(1)),
            (11, Some(10)),
            (12, Some(11)),
            (20, Some(1)),
        ];
        assert_eq!(tree_of(10, &processes), BTreeSet::from([10, 11, 12]));
        // Two cores at 60 %: doctor's helpers held 100 % of one core, so others held 10 %.
        assert_eq!(cpu_without_tree(60.0, 100.0, 2), 10.0);
        assert_eq!(cpu_without_tree(10.0, 100.0, 2), 0.0);
    }
}
