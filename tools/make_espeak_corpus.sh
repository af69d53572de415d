#!/usr/bin/env bash
# Generates a synthetic multilingual speech-emotion corpus with espeak-ng, for tuning model defaults on data unlike
# the built-in demo corpus. Nothing in the product or its tests reads it.
#
#   tools/make_espeak_corpus.sh OUT_DIR [--seed N] [--speakers 12] [--utts 10] [--test-speakers 4] [--dev-speakers 1]
#                                       [--jobs 2]
#
# Languages en, fi, fr; per language --speakers speakers (espeak-ng voice variants such as en+m3, fi+f2, each with its
# own base pitch, rate, pitch range and level drawn from the seed); emotions neutral, happy, angry, sad expressed by
# prosody only (pitch -p, speed -s, amplitude -a, SSML <prosody range>). The emotion prosody differs by language
# (e.g. happy is mostly higher pitch in en, mostly faster in fi, mostly a wider pitch range in fr), and every
# utterance gets random jitter on top, so classes overlap and a model trained on one language transfers imperfectly.
# --utts is the number of utterances per speaker and emotion; each reads a sentence drawn from ~20 neutral sentences
# of its language.
#
# Output: OUT_DIR/wav/<lang>/<speaker>/<utt>.wav (16 kHz mono 16-bit) and OUT_DIR/manifest.csv
# (path,language,emotion,speaker,split; paths relative to OUT_DIR). Split by speaker, per language: the last
# --test-speakers speakers are test, the --dev-speakers before them dev, the rest train. The same seed and options
# give byte-identical files and manifest. espeak-ng and sox are installed with apt-get if missing; nothing else uses
# the network.
set -euo pipefail

usage() {
  echo "usage: tools/make_espeak_corpus.sh OUT_DIR [--seed N] [--speakers 12] [--utts 10] [--test-speakers 4]" \
    "[--dev-speakers 1] [--jobs 2]" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
OUT_DIR=$1
shift
[[ $OUT_DIR != -* ]] || usage
SEED=1 SPEAKERS=12 UTTS=10 TEST_SPEAKERS=4 DEV_SPEAKERS=1 JOBS=2
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || usage
  case $1 in
    --seed) SEED=$2 ;;
    --speakers) SPEAKERS=$2 ;;
    --utts) UTTS=$2 ;;
    --test-speakers) TEST_SPEAKERS=$2 ;;
    --dev-speakers) DEV_SPEAKERS=$2 ;;
    --jobs) JOBS=$2 ;;
    *) usage ;;
  esac
  shift 2
done
for v in "$SEED" "$SPEAKERS" "$UTTS" "$TEST_SPEAKERS" "$DEV_SPEAKERS" "$JOBS"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "not a non-negative integer: $v" >&2; exit 2; }
done
if (( SPEAKERS < 1 || UTTS < 1 || JOBS < 1 || TEST_SPEAKERS + DEV_SPEAKERS >= SPEAKERS )); then
  echo "need speakers >= 1, utts >= 1, jobs >= 1 and test-speakers + dev-speakers < speakers" >&2
  exit 2
fi

if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then
  apt-get update -qq && apt-get install -y -qq espeak-ng sox >/dev/null
fi
command -v python3 >/dev/null || { echo "python3 is required" >&2; exit 1; }

mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
rm -rf "$OUT_DIR/wav" "$OUT_DIR/manifest.csv" "$OUT_DIR/.jobs"

# Plan: every random draw happens here, in one seeded sequence, so the corpus depends on the seed and options only.
# Writes the manifest and one NUL-terminated job per utterance: out path, voice, pitch, speed, amplitude, gain dB, SSML.
python3 - "$OUT_DIR" "$SEED" "$SPEAKERS" "$UTTS" "$TEST_SPEAKERS" "$DEV_SPEAKERS" <<'PY'
import random, sys
from xml.sax.saxutils import escape

out, seed, n_spk, n_utt, n_test, n_dev = sys.argv[1], *map(int, sys.argv[2:])
rng = random.Random(seed)

SENTENCES = {
    "en": [
        "The train leaves the station at seven in the morning.",
        "She put the books back on the shelf by the window.",
        "We walked along the river after lunch.",
        "The meeting has been moved to Thursday afternoon.",
        "There is a small shop at the end of the street.",
        "He painted the fence white last summer.",
        "The keys are on the table next to the door.",
        "Our neighbours bought a new car yesterday.",
        "The library closes at six on weekdays.",
        "I will send you the letter tomorrow.",
        "The children played in the garden all day.",
        "Please turn left at the second corner.",
        "The coffee machine is in the kitchen.",
        "They planted three trees behind the house.",
        "The bus was ten minutes late this morning.",
        "My brother lives in a flat near the park.",
        "The report is on the desk in my office.",
        "We need two more chairs for the dinner.",
        "The shop sells bread, milk and cheese.",
        "It rained for most of the weekend.",
    ],
    "fi": [
        "Juna lähtee asemalta kello seitsemän aamulla.",
        "Hän laittoi kirjat takaisin hyllyyn ikkunan viereen.",
        "Kävelimme joen rantaa pitkin lounaan jälkeen.",
        "Kokous on siirretty torstai-iltapäivään.",
        "Kadun päässä on pieni kauppa.",
        "Hän maalasi aidan valkoiseksi viime kesänä.",
        "Avaimet ovat pöydällä oven vieressä.",
        "Naapurimme ostivat eilen uuden auton.",
        "Kirjasto sulkeutuu arkisin kello kuusi.",
        "Lähetän sinulle kirjeen huomenna.",
        "Lapset leikkivät puutarhassa koko päivän.",
        "Käänny vasemmalle toisesta kulmasta.",
        "Kahvinkeitin on keittiössä.",
        "He istuttivat kolme puuta talon taakse.",
        "Bussi oli tänä aamuna kymmenen minuuttia myöhässä.",
        "Veljeni asuu asunnossa puiston lähellä.",
        "Raportti on pöydälläni toimistossa.",
        "Tarvitsemme illalliselle kaksi tuolia lisää.",
        "Kauppa myy leipää, maitoa ja juustoa.",
        "Satoi melkein koko viikonlopun.",
    ],
    "fr": [
        "Le train quitte la gare à sept heures du matin.",
        "Elle a remis les livres sur l'étagère près de la fenêtre.",
        "Nous avons marché le long de la rivière après le déjeuner.",
        "La réunion a été déplacée à jeudi après-midi.",
        "Il y a une petite boutique au bout de la rue.",
        "Il a peint la clôture en blanc l'été dernier.",
        "Les clés sont sur la table à côté de la porte.",
        "Nos voisins ont acheté une nouvelle voiture hier.",
        "La bibliothèque ferme à six heures en semaine.",
        "Je vous enverrai la lettre demain.",
        "Les enfants ont joué dans le jardin toute la journée.",
        "Tournez à gauche au deuxième carrefour.",
        "La machine à café est dans la cuisine.",
        "Ils ont planté trois arbres derrière la maison.",
        "Le bus avait dix minutes de retard ce matin.",
        "Mon frère habite un appartement près du parc.",
        "Le rapport est sur le bureau dans mon bureau.",
        "Il nous faut deux chaises de plus pour le dîner.",
        "La boutique vend du pain, du lait et du fromage.",
        "Il a plu presque tout le week-end.",
    ],
}
LANGS = ["en", "fi", "fr"]
EMOTIONS = ["neutral", "happy", "angry", "sad"]
# Emotion prosody per language, relative to the speaker's own base: (pitch points on espeak's 0-99 scale,
# speed in words per minute, amplitude points, pitch range factor). Each language leans on different cues.
PROSODY = {
    "en": {"neutral": (0, 0, 0, 1.00), "happy": (30, 20, 10, 2.30), "angry": (10, 60, 90, 1.40), "sad": (-25, -70, -50, 0.40)},
    "fi": {"neutral": (0, 0, 0, 1.00), "happy": (8, 90, 10, 1.40), "angry": (-5, 30, 90, 2.20), "sad": (-12, -55, -40, 0.50)},
    "fr": {"neutral": (0, 0, 0, 1.00), "happy": (16, 15, 20, 3.00), "angry": (32, 45, 70, 1.20), "sad": (-30, -40, -35, 0.50)},
}
# Per-utterance jitter (standard deviations) on the same four quantities, and a recording-level gain in dB that
# carries no emotion.
JITTER = (2.5, 5.0, 5.0, 0.08)
GAIN_DB_SD = 1.0
# Voice variants: the plain male/female ones first, then other human-sounding ones for larger speaker counts.
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
            "klatt", "klatt2", "klatt3", "iven", "john", "linda", "max", "paul", "rob", "steph", "adam", "benjamin"]
if n_spk > len(VARIANTS):
    sys.exit(f"at most {len(VARIANTS)} speakers per language")

def clamp(v, lo, hi):
    return max(lo, min(hi, v))

manifest = ["path,language,emotion,speaker,split"]
jobs = []
for lang in LANGS:
    variants = rng.sample(VARIANTS, n_spk)
    for i, var in enumerate(variants):
        split = "test" if i >= n_spk - n_test else "dev" if i >= n_spk - n_test - n_dev else "train"
        speaker = f"{lang}-{var}"
        base = (rng.uniform(-5, 5) + 50, rng.uniform(-12, 12) + 165, rng.uniform(-5, 5) + 100,
                rng.uniform(0.9, 1.1))
        for emo in EMOTIONS:
            dp, ds, da, dr = PROSODY[lang][emo]
            for u in range(n_utt):
                pitch = clamp(round(base[0] + dp + rng.gauss(0, JITTER[0])), 0, 99)
                speed = clamp(round(base[1] + ds + rng.gauss(0, JITTER[1])), 80, 400)
                amp = clamp(round(base[2] + da + rng.gauss(0, JITTER[2])), 20, 200)
                rng_pct = clamp(round(100 * base[3] * dr * max(0.3, 1 + rng.gauss(0, JITTER[3]))), 20, 300)
                gain = round(rng.gauss(0, GAIN_DB_SD), 2)
                text = rng.choice(SENTENCES[lang])
                ssml = f'<speak><prosody range="{rng_pct}%">{escape(text)}</prosody></speak>'
                rel = f"wav/{lang}/{speaker}/{speaker}_{emo}_{u + 1:02d}.wav"
                manifest.append(f"{rel},{lang},{emo},{speaker},{split}")
                jobs.append("\t".join([f"{out}/{rel}", f"{lang}+{var}", str(pitch), str(speed), str(amp), str(gain), ssml]))

with open(f"{out}/manifest.csv", "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(manifest) + "\n")
with open(f"{out}/.jobs", "w", encoding="utf-8") as f:
    f.write("".join(j + "\0" for j in jobs))
PY

# One job: synthesise at espeak's native rate, then resample to 16 kHz mono 16-bit with the job's gain.
# sox -R seeds its dither with a fixed value, so output bytes depend on the job only.
synth() {
  local out voice pitch speed amp gain ssml tmp
  IFS=$'\t' read -r out voice pitch speed amp gain ssml <<<"$1"
  mkdir -p "${out%/*}"
  tmp="$out.raw.wav"
  espeak-ng -m -v "$voice" -p "$pitch" -s "$speed" -a "$amp" -w "$tmp" "$ssml"
  sox -R -V1 "$tmp" -r 16000 -c 1 -b 16 -e signed-integer "$out" gain "$gain"
  rm -f "$tmp"
}
export -f synth
xargs -0 -P "$JOBS" -n 1 bash -c 'synth "$1"' _ <"$OUT_DIR/.jobs"
rm -f "$OUT_DIR/.jobs"

python3 - "$OUT_DIR" <<'PY'
import collections, csv, sys, wave

out = sys.argv[1]
counts = collections.Counter()
seconds = collections.Counter()
with open(f"{out}/manifest.csv", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
for r in rows:
    with wave.open(f"{out}/{r['path']}") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2), r["path"]
        s = w.getnframes() / w.getframerate()
    counts[(r["language"], r["split"], r["emotion"])] += 1
    seconds[r["language"]] += s
langs = sorted({k[0] for k in counts})
splits = ["train", "dev", "test"]
emotions = ["neutral", "happy", "angry", "sad"]
print(f"{out}/manifest.csv: {len(rows)} utterances, {sum(seconds.values()):.1f} s")
print(f"{'language':<9}{'split':<7}" + "".join(f"{e:>9}" for e in emotions) + f"{'speakers':>10}")
for lang in langs:
    for sp in splits:
        n_spk = len({r["speaker"] for r in rows if r["language"] == lang and r["split"] == sp})
        print(f"{lang:<9}{sp:<7}" + "".join(f"{counts[(lang, sp, e)]:>9}" for e in emotions) + f"{n_spk:>10}")
for lang in langs:
    n = sum(v for k, v in counts.items() if k[0] == lang)
    print(f"{lang}: {n} utterances, {seconds[lang]:.1f} s")
PY
