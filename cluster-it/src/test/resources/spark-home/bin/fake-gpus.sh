#!/usr/bin/env bash
# GPU discovery for a machine without GPUs: two pretend addresses, so Spark's GPU scheduling (worker resources,
# ResourceProfiles, task assignments) runs for real while training stays on ND4J's CPU backend.
echo '{"name":"gpu","addresses":["0","1"]}'
