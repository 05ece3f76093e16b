"""Demo content for `make run`: real, well-known ML papers (metadata are facts) and our own summaries."""

VENUES = [
    # name, acronym, kind, dblp_key
    ("arXiv e-Print archive", "arXiv", "preprint", "journals/corr"),
    ("Advances in Neural Information Processing Systems", "NeurIPS", "conference", "conf/nips"),
    ("International Conference on Learning Representations", "ICLR", "conference", "conf/iclr"),
    ("International Conference on Machine Learning", "ICML", "conference", "conf/icml"),
    ("IEEE Conference on Computer Vision and Pattern Recognition", "CVPR", "conference", "conf/cvpr"),
    ("North American Chapter of the Association for Computational Linguistics", "NAACL", "conference", "conf/naacl"),
    ("Medical Image Computing and Computer-Assisted Intervention", "MICCAI", "conference", "conf/miccai"),
    ("Journal of Machine Learning Research", "JMLR", "journal", "journals/jmlr"),
    ("Nature", "Nature", "journal", "journals/nature"),
]

PAPERS = [
    {
        "title": "Attention Is All You Need",
        "authors": [
            "Ashish Vaswani",
            "Noam Shazeer",
            "Niki Parmar",
            "Jakob Uszkoreit",
            "Llion Jones",
            "Aidan N. Gomez",
            "Łukasz Kaiser",
            "Illia Polosukhin",
        ],
        "venue": "NeurIPS",
        "year": 2017,
        "arxiv_id": "1706.03762",
        "arxiv_version": 7,
        "dblp_key": "conf/nips/VaswaniSPUJGKP17",
        "keywords": ["cs.CL", "cs.LG"],
        "abstract": "The dominant sequence transduction models are based on complex recurrent or convolutional "
        "neural networks that include an encoder and a decoder. The best performing models also connect the "
        "encoder and decoder through an attention mechanism. We propose a new simple network architecture, the "
        "Transformer, based solely on attention mechanisms, dispensing with recurrence and convolutions entirely.",
    },
    {
        "title": "Deep Residual Learning for Image Recognition",
        "authors": ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
        "venue": "CVPR",
        "year": 2016,
        "arxiv_id": "1512.03385",
        "doi": "10.1109/CVPR.2016.90",
        "keywords": ["cs.CV"],
        "abstract": "Deeper neural networks are more difficult to train. We present a residual learning framework "
        "to ease the training of networks that are substantially deeper than those used previously. We explicitly "
        "reformulate the layers as learning residual functions with reference to the layer inputs, instead of "
        "learning unreferenced functions.",
    },
    {
        "title": "Adam: A Method for Stochastic Optimization",
        "authors": ["Diederik P. Kingma", "Jimmy Ba"],
        "venue": "ICLR",
        "year": 2015,
        "arxiv_id": "1412.6980",
        "keywords": ["cs.LG"],
        "abstract": "We introduce Adam, an algorithm for first-order gradient-based optimization of stochastic "
        "objective functions, based on adaptive estimates of lower-order moments. The method is straightforward "
        "to implement, is computationally efficient, has little memory requirements, is invariant to diagonal "
        "rescaling of the gradients, and is well suited for problems that are large in terms of data and/or "
        "parameters.",
    },
    {
        "title": "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "authors": ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"],
        "venue": "NAACL",
        "year": 2019,
        "arxiv_id": "1810.04805",
        "doi": "10.18653/v1/N19-1423",
        "keywords": ["cs.CL"],
        "abstract": "We introduce a new language representation model called BERT, which stands for Bidirectional "
        "Encoder Representations from Transformers. BERT is designed to pre-train deep bidirectional "
        "representations from unlabeled text by jointly conditioning on both left and right context in all layers.",
    },
    {
        "title": "Generative Adversarial Nets",
        "authors": [
            "Ian J. Goodfellow",
            "Jean Pouget-Abadie",
            "Mehdi Mirza",
            "Bing Xu",
            "David Warde-Farley",
            "Sherjil Ozair",
            "Aaron Courville",
            "Yoshua Bengio",
        ],
        "venue": "NeurIPS",
        "year": 2014,
        "arxiv_id": "1406.2661",
        "keywords": ["stat.ML", "cs.LG"],
        "abstract": "We propose a new framework for estimating generative models via an adversarial process, in "
        "which we simultaneously train two models: a generative model G that captures the data distribution, and "
        "a discriminative model D that estimates the probability that a sample came from the training data rather "
        "than G.",
    },
    {
        "title": "Auto-Encoding Variational Bayes",
        "authors": ["Diederik P. Kingma", "Max Welling"],
        "venue": "ICLR",
        "year": 2014,
        "arxiv_id": "1312.6114",
        "keywords": ["stat.ML", "cs.LG"],
        "abstract": "How can we perform efficient inference and learning in directed probabilistic models, in the "
        "presence of continuous latent variables with intractable posterior distributions, and large datasets? "
        "We introduce a stochastic variational inference and learning algorithm that scales to large datasets.",
    },
    {
        "title": "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
        "authors": ["Sergey Ioffe", "Christian Szegedy"],
        "venue": "ICML",
        "year": 2015,
        "arxiv_id": "1502.03167",
        "keywords": ["cs.LG"],
        "abstract": "Training Deep Neural Networks is complicated by the fact that the distribution of each layer's "
        "inputs changes during training, as the parameters of the previous layers change. We refer to this "
        "phenomenon as internal covariate shift, and address the problem by normalizing layer inputs.",
    },
    {
        "title": "Dropout: A Simple Way to Prevent Neural Networks from Overfitting",
        "authors": [
            "Nitish Srivastava",
            "Geoffrey Hinton",
            "Alex Krizhevsky",
            "Ilya Sutskever",
            "Ruslan Salakhutdinov",
        ],
        "venue": "JMLR",
        "year": 2014,
        "url": "https://jmlr.org/papers/v15/srivastava14a.html",
        "pdf_url": "https://jmlr.org/papers/volume15/srivastava14a/srivastava14a.pdf",
        "dblp_key": "journals/jmlr/SrivastavaHKSS14",
        "keywords": ["cs.LG"],
        "abstract": "Deep neural nets with a large number of parameters are very powerful machine learning systems. "
        "However, overfitting is a serious problem in such networks. Dropout is a technique for addressing this "
        "problem. The key idea is to randomly drop units (along with their connections) from the neural network "
        "during training.",
    },
    {
        "title": "ImageNet Classification with Deep Convolutional Neural Networks",
        "authors": ["Alex Krizhevsky", "Ilya Sutskever", "Geoffrey Hinton"],
        "venue": "NeurIPS",
        "year": 2012,
        "dblp_key": "conf/nips/KrizhevskySH12",
        "keywords": ["cs.CV"],
        "abstract": "We trained a large, deep convolutional neural network to classify the 1.2 million "
        "high-resolution images in the ImageNet LSVRC-2010 contest into the 1000 different classes.",
    },
    {
        "title": "Playing Atari with Deep Reinforcement Learning",
        "authors": [
            "Volodymyr Mnih",
            "Koray Kavukcuoglu",
            "David Silver",
            "Alex Graves",
            "Ioannis Antonoglou",
            "Daan Wierstra",
            "Martin Riedmiller",
        ],
        "venue": "arXiv",
        "year": 2013,
        "arxiv_id": "1312.5602",
        "keywords": ["cs.LG"],
        "abstract": "We present the first deep learning model to successfully learn control policies directly from "
        "high-dimensional sensory input using reinforcement learning. The model is a convolutional neural "
        "network, trained with a variant of Q-learning, whose input is raw pixels and whose output is a value "
        "function estimating future rewards.",
    },
    {
        "title": "Efficient Estimation of Word Representations in Vector Space",
        "authors": ["Tomas Mikolov", "Kai Chen", "Greg Corrado", "Jeffrey Dean"],
        "venue": "arXiv",
        "year": 2013,
        "arxiv_id": "1301.3781",
        "keywords": ["cs.CL"],
        "abstract": "We propose two novel model architectures for computing continuous vector representations of "
        "words from very large data sets. The quality of these representations is measured in a word similarity "
        "task, and the results are compared to the previously best performing techniques based on different "
        "types of neural networks.",
    },
    {
        "title": "U-Net: Convolutional Networks for Biomedical Image Segmentation",
        "authors": ["Olaf Ronneberger", "Philipp Fischer", "Thomas Brox"],
        "venue": "MICCAI",
        "year": 2015,
        "arxiv_id": "1505.04597",
        "doi": "10.1007/978-3-319-24574-4_28",
        "keywords": ["cs.CV"],
        "abstract": "There is large consent that successful training of deep networks requires many thousand "
        "annotated training samples. In this paper, we present a network and training strategy that relies on "
        "the strong use of data augmentation to use the available annotated samples more efficiently.",
    },
    {
        "title": "Deep learning",
        "authors": ["Yann LeCun", "Yoshua Bengio", "Geoffrey Hinton"],
        "venue": "Nature",
        "year": 2015,
        "doi": "10.1038/nature14539",
        "keywords": ["cs.LG"],
        "abstract": "Deep learning allows computational models that are composed of multiple processing layers to "
        "learn representations of data with multiple levels of abstraction.",
    },
    {
        "title": "Layer Normalization",
        "authors": ["Jimmy Lei Ba", "Jamie Ryan Kiros", "Geoffrey E. Hinton"],
        "venue": "arXiv",
        "year": 2016,
        "arxiv_id": "1607.06450",
        "keywords": ["stat.ML", "cs.LG"],
        "abstract": "Training state-of-the-art, deep neural networks is computationally expensive. One way to reduce "
        "the training time is to normalize the activities of the neurons.",
    },
]

USERS = [
    # username, display name, affiliation, bio
    ("alice", "Alice Moreau", "University of Montréal", "PhD student working on sequence models."),
    ("bob", "Bob Okafor", "ETH Zürich", "Optimisation and generalisation in deep learning."),
    ("carol", "Carol Zhang", "Tsinghua University", "Computer vision; I write summaries in English and 中文."),
    ("dave", "Dave Lindqvist", "", "Practitioner. I summarise papers I actually use."),
]

# paper title -> list of (writer, options, body). Summary texts are our own.
SUMMARIES = {
    "Attention Is All You Need": [
        (
            "alice",
            {"audience": "practitioner", "arxiv_version": 7},
            r"""
## The idea
Replace recurrence entirely by **attention**. Every position attends to every other position in one step, so
a sentence is processed in parallel and long-range dependencies are one hop away.

## Scaled dot-product attention
With queries $Q$, keys $K$ and values $V$ (keys of dimension $d_k$):

$$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right) V$$

The $\sqrt{d_k}$ keeps the dot products from growing with $d_k$ and saturating the softmax.
*Multi-head* attention runs $h = 8$ of these in parallel on learned projections and concatenates them.

## Take-aways
- Positional information comes from sinusoidal encodings $PE_{(pos, 2i)} = \sin(pos / 10000^{2i/d_{model}})$.
- 28.4 BLEU on WMT 2014 English–German, at a fraction of the training cost of earlier models.
- Self-attention costs $O(n^2 \cdot d)$ per layer: fine for sentences, the bottleneck for long documents.
""",
        ),
        (
            "carol",
            {"audience": "newcomer", "is_anonymous": False},
            r"""
## 核心思想
Transformer 完全依靠**注意力机制**，不再使用循环神经网络。每个位置都可以直接关注句子中的所有其他位置，因此可以并行计算。

缩放点积注意力：$\mathrm{softmax}(QK^\top / \sqrt{d_k})V$。

多头注意力让模型在不同的子空间中同时学习不同的关系。
""",
        ),
    ],
    "Deep Residual Learning for Image Recognition": [
        (
            "carol",
            {"audience": "practitioner"},
            r"""
Very deep plain networks train *worse* than shallow ones — not overfitting, but optimisation difficulty
(the **degradation** problem).

ResNets let each block learn a residual $F(x) = H(x) - x$ and output $y = F(x, \{W_i\}) + x$.
If the identity is optimal, pushing $F \to 0$ is easy. Identity shortcuts add no parameters.

- 152 layers on ImageNet, 3.57% top-5 error (ensemble), winning ILSVRC 2015.
- *Bottleneck* blocks ($1\times1$, $3\times3$, $1\times1$ convolutions) keep deep models affordable.
""",
        ),
    ],
    "Adam: A Method for Stochastic Optimization": [
        (
            "bob",
            {"audience": "practitioner"},
            r"""
Adam keeps exponential moving averages of the gradient and its square:

$$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$$

corrects their bias towards zero, $\hat m_t = m_t / (1-\beta_1^t)$ and $\hat v_t = v_t/(1-\beta_2^t)$, and steps
$\theta_t = \theta_{t-1} - \alpha\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$.

Defaults $\alpha = 0.001$, $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-8}$ work surprisingly often.
Note the convergence proof was later shown to be flawed (see AMSGrad), but the method itself is robust in practice.
""",
        ),
    ],
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding": [
        (
            "alice",
            {"audience": "newcomer"},
            r"""
BERT pre-trains a Transformer encoder \cite{1706.03762} on two tasks:

1. **Masked language modelling**: hide 15% of tokens and predict them from *both* sides.
2. **Next sentence prediction**: is sentence B the real continuation of sentence A?

Fine-tuning adds one output layer per task. BERT-large (340M parameters) set the state of the art on GLUE,
SQuAD and SWAG at the time.
""",
        ),
    ],
    "Generative Adversarial Nets": [
        (
            "bob",
            {"audience": "expert"},
            r"""
A two-player minimax game between a generator $G$ and a discriminator $D$:

$$\min_G \max_D \; \mathbb{E}_{x \sim p_{data}}[\log D(x)] + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))]$$

For a fixed $G$ the optimal discriminator is $D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$, and the game then
minimises the Jensen–Shannon divergence between $p_{data}$ and $p_g$. In practice $G$ maximises $\log D(G(z))$
instead, which gives stronger gradients early in training.
""",
        ),
        (
            "dave",
            {"audience": "newcomer", "is_anonymous": True},
            r"""
Two networks play a game: a *forger* makes fake images, a *detective* tries to tell fakes from real ones.
Both get better until the fakes are hard to tell apart. Training can be unstable (mode collapse), so expect to
tune it.
""",
        ),
    ],
    "Auto-Encoding Variational Bayes": [
        (
            "bob",
            {"audience": "expert"},
            r"""
Maximise the evidence lower bound
$\mathcal{L}(\theta, \phi; x) = \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)] - D_{KL}(q_\phi(z|x) \,\|\, p(z))$.

The **reparameterisation trick** writes $z = \mu + \sigma \odot \epsilon$ with $\epsilon \sim \mathcal{N}(0, I)$, so
gradients flow through the sampling step and the whole model trains with plain SGD.
""",
        ),
    ],
    "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift": [
        (
            "dave",
            {"audience": "practitioner"},
            r"""
Normalise each activation over the mini-batch, then scale and shift with learned $\gamma, \beta$:

$$\hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta$$

Allows much higher learning rates and acts as a regulariser. At inference time, use running averages of
$\mu_B$ and $\sigma_B^2$. Later work suggests it helps by smoothing the loss landscape rather than by reducing
"internal covariate shift".
""",
        ),
    ],
    "Dropout: A Simple Way to Prevent Neural Networks from Overfitting": [
        (
            "alice",
            {"audience": "newcomer"},
            r"""
During training, keep each unit with probability $p$ (e.g. $p = 0.5$ for hidden units) and drop the rest.
At test time use all units with weights scaled by $p$. It approximately averages an exponential number of
thinned networks, and it still is one of the simplest regularisers to try.
""",
        ),
    ],
    "ImageNet Classification with Deep Convolutional Neural Networks": [
        (
            "carol",
            {"audience": "newcomer"},
            r"""
**AlexNet**: five convolutional and three fully connected layers, trained on two GPUs. ReLU activations,
dropout, data augmentation and local response normalisation. Top-5 error 15.3% in ILSVRC-2012 against 26.2%
for the runner-up — the result that started the deep learning wave in computer vision.
""",
        ),
    ],
    "Playing Atari with Deep Reinforcement Learning": [
        (
            "dave",
            {"audience": "practitioner"},
            r"""
Deep Q-Networks: a CNN maps raw frames to $Q(s, a)$, trained on the loss
$\left(r + \gamma \max_{a'} Q(s', a'; \theta^-) - Q(s, a; \theta)\right)^2$. *Experience replay* breaks the
correlation between consecutive samples. Outperformed prior methods on six of seven Atari games.
""",
        ),
    ],
    "Layer Normalization": [
        (
            "bob",
            {"audience": "practitioner", "visibility": "private"},
            r"""
Private notes: normalise over the features of **one** example instead of the batch:
$\mu = \frac{1}{H}\sum_i a_i$. Works for RNNs and batch size 1; standard in Transformers.
""",
        ),
    ],
}

# (voter, paper title, summary writer, value)
VOTES = [
    ("bob", "Attention Is All You Need", "alice", 1),
    ("carol", "Attention Is All You Need", "alice", 1),
    ("dave", "Attention Is All You Need", "alice", 1),
    ("alice", "Attention Is All You Need", "carol", 1),
    ("alice", "Deep Residual Learning for Image Recognition", "carol", 1),
    ("dave", "Deep Residual Learning for Image Recognition", "carol", 1),
    ("alice", "Adam: A Method for Stochastic Optimization", "bob", 1),
    ("carol", "Adam: A Method for Stochastic Optimization", "bob", 1),
    ("dave", "Generative Adversarial Nets", "bob", 1),
    ("alice", "Generative Adversarial Nets", "dave", -1),
    ("bob", "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift", "dave", 1),
    ("bob", "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding", "alice", 1),
]

# (commenter, paper title, summary writer, body, reply to (commenter, body) or None)
COMMENTS = [
    (
        "bob",
        "Attention Is All You Need",
        "alice",
        "Nice and short. Worth adding that the decoder masks future positions in self-attention.",
        None,
    ),
    (
        "alice",
        "Attention Is All You Need",
        "alice",
        "Good point — the mask sets those scores to $-\\infty$ before the softmax.",
        ("bob", "Nice and short. Worth adding that the decoder masks future positions in self-attention."),
    ),
    (
        "carol",
        "Adam: A Method for Stochastic Optimization",
        "bob",
        "Do you have a reference for the convergence issue? I think it is Reddi et al., ICLR 2018.",
        None,
    ),
]

# --- The daily arXiv digest (issue 13) ------------------------------------------------------------------------
# The demo pretends the arXiv papers above were all announced on one day, so that `make run` has a day to
# triage and a published digest of it. Their categories (primary first) and the authors' affiliations are facts.
DIGEST_DAY = (2026, 12, 4)
CURATOR = ("curator", "curate-demo-2026")

CATEGORIES = [
    # code, name, Simplified Chinese name, archive, group
    ("cs.LG", "Machine Learning", "机器学习", "cs", "Computer Science"),
    ("cs.CV", "Computer Vision and Pattern Recognition", "计算机视觉", "cs", "Computer Science"),
    ("cs.CL", "Computation and Language", "计算与语言", "cs", "Computer Science"),
    ("stat.ML", "Machine Learning (Statistics)", "机器学习（统计）", "stat", "Statistics"),
]

# paper title -> (categories, primary first; {author: [affiliations]})
ARXIV_METADATA = {
    "Attention Is All You Need": (
        ["cs.CL", "cs.LG"],
        {
            "Ashish Vaswani": ["Google Brain"],
            "Noam Shazeer": ["Google Brain"],
            "Niki Parmar": ["Google Research"],
            "Jakob Uszkoreit": ["Google Research"],
            "Llion Jones": ["Google Research"],
            "Aidan N. Gomez": ["University of Toronto"],
            "Łukasz Kaiser": ["Google Brain"],
            "Illia Polosukhin": ["Google Research"],
        },
    ),
    "Deep Residual Learning for Image Recognition": (
        ["cs.CV"],
        {name: ["Microsoft Research"] for name in ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"]},
    ),
    "Adam: A Method for Stochastic Optimization": (
        ["cs.LG"],
        {"Diederik P. Kingma": ["University of Amsterdam", "OpenAI"], "Jimmy Ba": ["University of Toronto"]},
    ),
    "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding": (
        ["cs.CL"],
        {
            name: ["Google AI Language"]
            for name in ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"]
        },
    ),
    "Generative Adversarial Nets": (["stat.ML", "cs.LG"], {"Ian J. Goodfellow": ["Université de Montréal"]}),
    "Auto-Encoding Variational Bayes": (
        ["stat.ML", "cs.LG"],
        {"Diederik P. Kingma": ["Universiteit van Amsterdam"], "Max Welling": ["Universiteit van Amsterdam"]},
    ),
    "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift": (
        ["cs.LG"],
        {"Sergey Ioffe": ["Google"], "Christian Szegedy": ["Google"]},
    ),
    "Playing Atari with Deep Reinforcement Learning": (
        ["cs.LG"],
        {name: ["DeepMind Technologies"] for name in ["Volodymyr Mnih", "Koray Kavukcuoglu", "David Silver"]},
    ),
    "Efficient Estimation of Word Representations in Vector Space": (
        ["cs.CL"],
        {name: ["Google"] for name in ["Tomas Mikolov", "Kai Chen", "Greg Corrado", "Jeffrey Dean"]},
    ),
    "U-Net: Convolutional Networks for Biomedical Image Segmentation": (
        ["cs.CV"],
        {name: ["University of Freiburg"] for name in ["Olaf Ronneberger", "Philipp Fischer", "Thomas Brox"]},
    ),
    "Layer Normalization": (
        ["stat.ML", "cs.LG"],
        {name: ["University of Toronto"] for name in ["Jimmy Lei Ba", "Jamie Ryan Kiros", "Geoffrey E. Hinton"]},
    ),
}

DIGEST = {
    "title": "Daily arXiv digest: optimisation and vision",
    "intro": "Five papers worth your time today, two of them *particularly* (★).",
    # (paper title, section, starred, note language, note); the notes are our own.
    "entries": [
        (
            "Adam: A Method for Stochastic Optimization",
            "cs.LG",
            True,
            "zh-Hans",
            "Adam：基于梯度一阶矩和二阶矩自适应估计的随机优化方法。实现简单、计算高效、内存需求小，"
            "对梯度的对角缩放不变，适合大数据和大参数量的问题；偏差校正让训练初期的步长也合理。",
        ),
        (
            "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
            "cs.LG",
            False,
            "zh-Hans",
            "批归一化：在每个小批量上对各层输入做归一化，缓解内部协变量偏移，可用更大的学习率，并有一定正则化作用。",
        ),
        (
            "Deep Residual Learning for Image Recognition",
            "cs.CV",
            True,
            "en",
            "Let each block learn the residual $F(x) = H(x) - x$ instead of $H(x)$: networks of 152 layers then "
            "train as easily as shallow ones, and deeper finally means better (ImageNet 2015 winner).",
        ),
        ("Playing Atari with Deep Reinforcement Learning", "cs.LG", False, "en", ""),
        (
            "U-Net: Convolutional Networks for Biomedical Image Segmentation",
            "cs.CV",
            False,
            "en",
            "A contracting path for context, a symmetric expanding path with skip connections for precise "
            "localisation: strong segmentation from very few annotated images.",
        ),
    ],
    "skipped": ["Efficient Estimation of Word Representations in Vector Space"],
}
