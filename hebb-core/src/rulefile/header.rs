//! The rule file's header: [`Header`] (and the version 1 form it is read from) and the
//! [`Extras`] that may follow it.

use serde::{Deserialize, Serialize};

use super::{ActionMap, Encoding, FrontEnd, pad4};
use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::WeightInit;
use crate::kernel::Kernel;
use crate::network::Config;
use crate::rule::RuleKind;
use crate::shape::Shape;
use crate::table::CoeffLayout;
use crate::window::Plasticity;

/// Everything about a rule file except its payload (the version 2 header; version 1 files
/// are read into it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Header<'a> {
    /// Rule code ([`RuleKind::code`]).
    pub rule: u8,
    /// Coefficient layout code ([`CoeffLayout::code`]).
    pub layout: u8,
    /// Layer sizes `[input, hidden…, output]`, any depth.
    pub sizes: Shape,
    /// Output-layer activation code ([`Activation`]).
    pub output: u8,
    /// How outputs become actions.
    pub action_map: ActionMap,
    /// Per-layer max-|w| normalisation after each update.
    pub normalize: bool,
    /// Weight initialisation code ([`WeightInit`]).
    pub init: u8,
    /// Coefficient encoding.
    pub encoding: Encoding,
    /// What computes the network's input from the observation.
    pub front_end: FrontEnd,
    /// Number of coefficients in the payload.
    pub n_coefficients: u32,
    /// Number of CNN weights after the coefficients (0 for none).
    pub n_cnn_weights: u32,
    /// Number of coevolved initial weights after the CNN weights (0 for none).
    pub n_init_weights: u32,
    /// Environment the rule was trained on.
    pub env: &'a str,
    /// Comma-separated morphologies it was trained on (empty if not applicable).
    pub morphologies: &'a str,
    /// Training seed.
    pub seed: u64,
    /// Generations trained.
    pub generations: u32,
}

/// The version 1 header: three plastic layers, per-synapse coefficients.
#[derive(Deserialize)]
pub(super) struct HeaderV1<'a> {
    rule: u8,
    sizes: [u32; 4],
    output: u8,
    action_map: ActionMap,
    normalize: bool,
    init: u8,
    encoding: Encoding,
    n_coefficients: u32,
    n_cnn_weights: u32,
    n_init_weights: u32,
    env: &'a str,
    morphologies: &'a str,
    seed: u64,
    generations: u32,
}

impl<'a> HeaderV1<'a> {
    pub(super) fn upgrade(self) -> Result<Header<'a>> {
        let sizes = self.sizes.map(|v| v as usize);
        Ok(Header {
            rule: self.rule,
            layout: CoeffLayout::PerSynapse.code(),
            sizes: Shape::new(&sizes).map_err(|_| Error::InvalidField("sizes"))?,
            output: self.output,
            action_map: self.action_map,
            normalize: self.normalize,
            init: self.init,
            encoding: self.encoding,
            front_end: if self.n_cnn_weights > 0 { FrontEnd::CarCnn } else { FrontEnd::None },
            n_coefficients: self.n_coefficients,
            n_cnn_weights: self.n_cnn_weights,
            n_init_weights: self.n_init_weights,
            env: self.env,
            morphologies: self.morphologies,
            seed: self.seed,
            generations: self.generations,
        })
    }
}

impl Header<'static> {
    /// The header of an *untrained* quadruped rule (ABCD_lr, 28-128-64-8, `tanh` output, no
    /// normalisation, U(−0.1, 0.1) initial weights), labelled `env: "untrained-placeholder"` and
    /// `generations: 0` — for tests and firmware bring-up that need a rule file independent of
    /// any training run.
    pub fn untrained_ant(seed: u64) -> Self {
        let rule = RuleKind::ABCDLr;
        Header {
            rule: rule.code(),
            layout: CoeffLayout::PerSynapse.code(),
            sizes: crate::AntNet::SHAPE,
            output: Activation::Tanh as u8,
            action_map: ActionMap::Direct,
            normalize: false,
            init: WeightInit::Uniform as u8,
            encoding: Encoding::F32,
            front_end: FrontEnd::None,
            n_coefficients: crate::AntNet::SHAPE.n_coefficients(rule) as u32,
            n_cnn_weights: 0,
            n_init_weights: 0,
            env: "untrained-placeholder",
            morphologies: "",
            seed,
            generations: 0,
        }
    }
}

impl Header<'_> {
    /// The rule.
    pub fn rule_kind(&self) -> Result<RuleKind> {
        RuleKind::from_code(self.rule)
    }

    /// Layer sizes.
    pub fn sizes(&self) -> Shape {
        self.sizes
    }

    /// The coefficient layout.
    pub fn coeff_layout(&self) -> Result<CoeffLayout> {
        CoeffLayout::from_code(self.layout)
    }

    /// Output activation.
    pub fn output_activation(&self) -> Result<Activation> {
        Activation::from_code(self.output).ok_or(Error::InvalidField("output"))
    }

    /// The network configuration the rule was trained with — output activation and weight
    /// normalisation — on the portable kernel (see [`Config::with_best_kernel`]).
    pub fn config(&self) -> Result<Config> {
        Ok(Config { output: self.output_activation()?, normalize: self.normalize, kernel: Kernel::Portable })
    }

    /// Weight initialisation.
    pub fn weight_init(&self) -> Result<WeightInit> {
        match self.init {
            0 => Ok(WeightInit::Uniform),
            1 => Ok(WeightInit::Normal),
            2 => Ok(WeightInit::Coevolve),
            _ => Err(Error::InvalidField("init")),
        }
    }

    /// Bytes of the coefficient block (padded to a multiple of 4); saturates on absurd
    /// counts, which [`payload_bytes`](Self::payload_bytes) then refuses.
    pub(super) fn coefficient_bytes(&self) -> usize {
        (self.n_coefficients as usize).saturating_mul(self.encoding.bytes()).saturating_add(3) & !3
    }

    /// Bytes of the shared-rule index after the coefficients (padded to a multiple of 4; 0
    /// unless the layout is [`CoeffLayout::Shared`]).
    pub(super) fn index_bytes(&self) -> usize {
        if self.layout == CoeffLayout::Shared as u8 { pad4(2 * self.sizes.n_synapses()) } else { 0 }
    }

    /// Bytes of the whole payload.
    pub(super) fn payload_bytes(&self) -> Option<usize> {
        let floats = (self.n_cnn_weights as usize).checked_add(self.n_init_weights as usize)?;
        let coefficients =
            (self.n_coefficients as usize).checked_mul(self.encoding.bytes())?.checked_add(3)? & !3;
        floats.checked_mul(4)?.checked_add(coefficients)?.checked_add(self.index_bytes())
    }

    pub(super) fn validate(&self) -> Result<()> {
        let rule = self.rule_kind()?;
        self.output_activation()?;
        self.weight_init()?;
        let layout = self.coeff_layout()?;
        // Sizes are checked by `Shape` (1..=65536 each, at most 8 plastic layers), so the counts
        // below cannot overflow.
        // The front end and its weights go together (their count is the trainer's to check).
        match (self.front_end, self.n_cnn_weights) {
            (FrontEnd::None, 0) => {}
            (FrontEnd::CarCnn, 1..) => {}
            _ => return Err(Error::InvalidField("front_end")),
        }
        layout.check_count(rule, &self.sizes, self.n_coefficients as usize).map_err(|e| match e {
            Error::Length { expected, got, .. } => {
                Error::Length { what: "rule file coefficients", expected, got }
            }
            e => e,
        })
    }
}

/// What a version 2 file may carry after its [`Header`], inside the header block: options
/// beyond the paper. A file without them (every file written before they existed) reads as
/// the default, the paper's per-step update; a writer leaves them out when they are the
/// default, so such files are byte for byte what earlier builds wrote. (Earlier builds read a
/// file with extras as if they were absent.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Extras {
    /// How often the Hebbian update runs and over how many steps it averages
    /// ([`Plasticity`]).
    pub plasticity: Plasticity,
}

/// The extension's wire form (postcard, after the header).
#[derive(Serialize, Deserialize)]
pub(super) struct ExtrasV1 {
    every: u16,
    window: u16,
}

impl Extras {
    pub(super) fn is_default(&self) -> bool {
        *self == Extras::default()
    }

    pub(super) fn wire(&self) -> ExtrasV1 {
        ExtrasV1 { every: self.plasticity.every, window: self.plasticity.window }
    }

    pub(super) fn decode(rest: &[u8]) -> Result<Extras> {
        if rest.is_empty() {
            return Ok(Extras::default());
        }
        let bad = Error::InvalidField("header extension");
        let (e, tail) = postcard::take_from_bytes::<ExtrasV1>(rest).map_err(|_| bad)?;
        if !tail.is_empty() {
            return Err(bad);
        }
        let plasticity = Plasticity::new(e.every, e.window)?;
        Ok(Extras { plasticity })
    }

    pub(super) fn validate(&self) -> Result<()> {
        Plasticity::new(self.plasticity.every, self.plasticity.window).map(|_| ())
    }

    pub(super) fn size(&self) -> Result<usize> {
        if self.is_default() {
            return Ok(0);
        }
        postcard::experimental::serialized_size(&self.wire())
            .map_err(|_| Error::InvalidField("header extension"))
    }
}
