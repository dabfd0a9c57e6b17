// The task module every contender of bench/peers_node.ts runs: ours through
// fromModule, piscina and tinypool by export name, workerpool and poolifier
// through the small worker scripts peers_node.ts writes beside their install.
// Plain JavaScript, so every peer loads it as it is.

/**
 * @param {number} x
 * @returns {number}
 */
export function add1(x) {
  return x + 1;
}
