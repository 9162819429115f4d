//! The samples of a node in a feature's sorted order, as sklearn's
//! `DensePartitioner.sort_samples_and_feature_values` leaves them: from the presorted list of
//! a distinct column, by the sparse-ties sort, or by sklearn's introsort (the root's sorts
//! cached); and the presorted lists split into a split's children, keeping their order.

use super::Workspace;
use crate::gbm::sort::{
    simultaneous_sort, simultaneous_sort_counted, simultaneous_sort_sparse_ties,
};

/// Root sorts are cached only up to this many rows (the cache holds up to 15 copies of the
/// keys for 3 features).
const ROOT_CACHE_MAX_ROWS: usize = 1 << 20;

impl Workspace {
    /// After a split of `start..end` at `pos` on `split_feature` (children `start..pos` and
    /// `pos..end` in `samples`), split each distinct feature's presorted range the same way,
    /// keeping the sorted order within each side.
    ///
    /// The split feature's own list, if it has one, is already split: its left child is the
    /// samples at or below the threshold, which come first in its sorted order (the threshold
    /// lies between two distinct values), so the stable partition leaves it as it is.
    pub(super) fn partition_presorted(
        &mut self,
        start: usize,
        pos: usize,
        end: usize,
        split_feature: usize,
    ) {
        let n = self.n;
        #[cfg(test)]
        let plain = self.plain_scan;
        #[cfg(not(test))]
        let plain = false;
        let listed = |f: usize| self.distinct[f] || self.sparse_ties[f];
        #[cfg(test)]
        if !plain && listed(split_feature) {
            self.path_counts.own_list_kept += 1;
        }
        if !(0..self.n_features).any(|f| listed(f) && (plain || f != split_feature)) {
            return;
        }
        for (k, &s) in self.samples[start..end].iter().enumerate() {
            self.goes_left[s as usize] = start + k < pos;
        }
        for f in 0..self.n_features {
            if !(self.distinct[f] || self.sparse_ties[f]) || !(plain || f != split_feature) {
                continue;
            }
            let seg = &mut self.pre[f * n + start..f * n + end];
            let tmp = &mut self.tmp[..end - start];
            let (mut li, mut ri) = (0usize, 0usize);
            for k in 0..seg.len() {
                let s = seg[k];
                let left = self.goes_left[s as usize];
                // li ≤ k: the left part is compacted in place; the right part goes to tmp.
                seg[li] = s;
                tmp[ri] = s;
                li += usize::from(left);
                ri += usize::from(!left);
            }
            seg[li..].copy_from_slice(&tmp[..ri]);
        }
    }

    /// Tests can turn the counted sort off (the plain builder of the equivalence tests).
    #[inline(always)]
    fn plain_sort(&self) -> bool {
        #[cfg(test)]
        return self.plain_sort;
        #[cfg(not(test))]
        false
    }

    /// Put `samples[start..end]` in sklearn's sorted order for `feature`
    /// (`sort_samples_and_feature_values`), starting from their current order.
    pub(super) fn sort_node(
        &mut self,
        feature: usize,
        start: usize,
        end: usize,
        root_seq: Option<&[usize]>,
    ) {
        let n = self.n;
        if self.distinct[feature] {
            // Unique values: the sorted order is unique, whatever the algorithm.
            self.samples[start..end]
                .copy_from_slice(&self.pre[feature * n + start..feature * n + end]);
            return;
        }
        let cache_ok = n <= ROOT_CACHE_MAX_ROWS;
        let cached = match root_seq {
            Some(seq) if cache_ok => self.root_cache.iter().position(|(k, _)| k == seq),
            _ => None,
        };
        let counted = self.card[feature] as usize <= end - start && !self.plain_sort();
        self.cum_valid = false;
        if let Some(ci) = cached {
            self.keys[start..end].copy_from_slice(&self.root_cache[ci].1);
        } else {
            let col = &self.xkey[feature * n..(feature + 1) * n];
            let keys = &mut self.keys[start..end];
            let card = self.card[feature] as usize;
            if counted && !self.sparse_ties[feature] {
                // Few values for the node's size: count them as the keys are built.
                let cum = &mut self.cum[..card + 1];
                cum.fill(0);
                for (k, &s) in keys.iter_mut().zip(&self.samples[start..end]) {
                    let v = col[s as usize];
                    *k = (u64::from(v) << 32) | u64::from(s);
                    cum[v as usize + 1] += 1;
                }
            } else {
                for (k, &s) in keys.iter_mut().zip(&self.samples[start..end]) {
                    *k = (u64::from(col[s as usize]) << 32) | u64::from(s);
                }
            }
            if self.sparse_ties[feature] {
                let pre = &self.pre[feature * n + start..feature * n + end];
                let sorted = &mut self.sorted_keys[..end - start];
                let ties = &mut self.tie_count[..end - start];
                let mut prev = None;
                let mut count = 0u32;
                for ((o, t), &s) in sorted.iter_mut().zip(ties.iter_mut()).zip(pre) {
                    let v = col[s as usize];
                    count += u32::from(prev == Some(v));
                    prev = Some(v);
                    *o = (u64::from(v) << 32) | u64::from(s);
                    *t = count;
                }
                simultaneous_sort_sparse_ties(keys, sorted, ties, &mut self.sort_scratch);
            } else if counted {
                // The counts below each value, so that the partitions need no counting passes.
                let cum = &mut self.cum[..card + 1];
                let mut acc = 0u32;
                for c in cum.iter_mut() {
                    acc += *c;
                    *c = acc;
                }
                simultaneous_sort_counted(keys, cum, &mut self.sort_scratch);
                self.cum_valid = true;
            } else {
                simultaneous_sort(keys, &mut self.sort_scratch);
            }
            if let (Some(seq), true) = (root_seq, cache_ok) {
                self.root_cache.push((seq.to_vec(), keys.to_vec()));
            }
        }
        for (s, &k) in self.samples[start..end]
            .iter_mut()
            .zip(&self.keys[start..end])
        {
            *s = k as u32;
        }
    }
}
