"""The pathways a fresh registry starts with, and the rules of a proposal's milestones along them.

The seed is upserted by slug (migration 0013 and `seed_pathways()`): moderators edit the rows in the admin
afterwards, and a re-run adds missing pathways and steps without overwriting what they changed.
Descriptions are the registry's own summaries, not legal advice; each row links to the official text.
"""

NORMATTIVA = "https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:"
PUBLIC = ["state", "region", "municipality", "other_public"]


def _step(name_it, name_en, actor_it, actor_en, days, documents_it="", documents_en=""):
    return {"name_it": name_it, "name_en": name_en, "actor_it": actor_it, "actor_en": actor_en,
            "typical_days": days, "documents_it": documents_it, "documents_en": documents_en}


PATHWAYS = [
    {
        "slug": "confiscati-art-48",
        "title_it": "Assegnazione di un bene confiscato alla criminalità organizzata",
        "title_en": "Assignment of a property confiscated from organised crime",
        "summary_it": (
            "Un immobile confiscato in via definitiva passa, di regola, al patrimonio del Comune in cui si trova (o "
            "della Provincia o della Regione) per finalità sociali o istituzionali. Il Comune può gestirlo "
            "direttamente o darlo in concessione gratuita, con un avviso pubblico, a enti del Terzo settore, "
            "cooperative sociali, altre cooperative a mutualità prevalente senza scopo di lucro e altri enti "
            "senza scopo di lucro. L'Agenzia nazionale (ANBSC) può anche "
            "assegnarlo direttamente a questi enti con un proprio bando (lettera c-bis)."),
        "summary_en": (
            "A property whose confiscation is final normally passes to the municipality where it lies (or to the "
            "province or region) for social or institutional purposes. The municipality may run it itself or grant "
            "it free of charge, after a public call, to third-sector bodies, social cooperatives, other "
            "non-profit cooperatives with prevailing mutuality and other non-profit bodies. The national agency (ANBSC) may also assign it directly to such bodies through a "
            "call of its own (letter c-bis)."),
        "legal_basis": "D.Lgs. 6 settembre 2011, n. 159 (Codice antimafia), art. 48, comma 3, lett. c) e c-bis)",
        "legal_basis_url": NORMATTIVA + "decreto.legislativo:2011-09-06;159~art48",
        "decided_by_it": "Il Comune destinatario del bene, oppure l'ANBSC per l'assegnazione diretta",
        "decided_by_en": "The municipality that received the property, or the ANBSC for a direct assignment",
        "ownerships": ["confiscated"], "kinds": [], "instrument": "confiscated",
        "steps": [
            _step("Verifica dello stato del bene e della sua destinazione", "Check the property's state and destination",
                  "Cooperativa", "Cooperative", 30,
                  "Scheda del bene (elenco ANBSC o del Comune), visura catastale",
                  "Property record (ANBSC or municipal list), land registry extract"),
            _step("Manifestazione di interesse o domanda all'avviso", "Expression of interest or application to the call",
                  "Cooperativa", "Cooperative", 45,
                  "Progetto di riuso sociale, statuto, iscrizione al RUNTS o all'Albo delle cooperative",
                  "Social reuse project, statutes, RUNTS or cooperatives' register entry"),
            _step("Valutazione comparativa delle proposte", "Comparative assessment of the proposals",
                  "Comune o ANBSC", "Municipality or ANBSC", 90, "Verbale della commissione, graduatoria",
                  "Panel minutes, ranking"),
            _step("Atto di assegnazione e convenzione", "Assignment decision and agreement",
                  "Comune o ANBSC", "Municipality or ANBSC", 60,
                  "Delibera o decreto di assegnazione, convenzione di concessione gratuita",
                  "Assignment resolution or decree, free concession agreement"),
            _step("Consegna del bene", "Handover of the property", "Comune e cooperativa",
                  "Municipality and cooperative", 30, "Verbale di consegna", "Handover report"),
            _step("Avvio delle attività", "Start of the activities", "Cooperativa", "Cooperative", 180,
                  "Relazione di avvio", "Start-up report"),
        ],
    },
    {
        "slug": "comodato-terzo-settore-art-71",
        "title_it": "Comodato di un immobile pubblico inutilizzato a un ente del Terzo settore",
        "title_en": "Free loan of an unused public property to a third-sector body",
        "summary_it": (
            "Stato, Regioni, Province autonome ed enti locali possono dare in comodato, per un massimo di trent'anni, "
            "beni che non usano per i propri fini istituzionali a enti del Terzo settore, che in cambio curano a "
            "proprie spese la manutenzione. Attenzione: la norma esclude le imprese sociali, e le cooperative "
            "sociali lo sono per legge; per loro servono la concessione o la co-progettazione."),
        "summary_en": (
            "The State, regions, autonomous provinces and local authorities may lend, for at most thirty years, "
            "property they do not use for their own purposes to third-sector bodies, which in return maintain it at "
            "their own cost. Note: the rule leaves out social enterprises, and social cooperatives are social "
            "enterprises by law; they need a concession or co-design instead."),
        "legal_basis": "D.Lgs. 3 luglio 2017, n. 117 (Codice del Terzo settore), art. 71, comma 2",
        "legal_basis_url": NORMATTIVA + "decreto.legislativo:2017-07-03;117~art71",
        "decided_by_it": "L'ente pubblico proprietario (Stato, Regione, Provincia autonoma, ente locale)",
        "decided_by_en": "The owning public body (State, region, autonomous province, local authority)",
        "ownerships": PUBLIC, "kinds": [], "instrument": "comodato",
        "steps": [
            _step("Richiesta all'ente proprietario", "Request to the owning body", "Cooperativa", "Cooperative", 30,
                  "Lettera di richiesta, progetto di utilizzo, iscrizione al RUNTS",
                  "Request letter, use plan, RUNTS entry"),
            _step("Avviso pubblico o istruttoria", "Public notice or review", "Ente proprietario", "Owning body", 90,
                  "Avviso, verbale di valutazione", "Notice, assessment report"),
            _step("Delibera e contratto di comodato", "Resolution and loan contract", "Ente proprietario",
                  "Owning body", 60, "Delibera, contratto di comodato (durata massima 30 anni)",
                  "Resolution, loan contract (at most 30 years)"),
            _step("Consegna e avvio delle attività", "Handover and start of the activities", "Cooperativa",
                  "Cooperative", 90, "Verbale di consegna, piano di manutenzione", "Handover report, maintenance plan"),
        ],
    },
    {
        "slug": "beni-culturali-concessione-art-71",
        "title_it": "Concessione a canone agevolato di un bene culturale da restaurare",
        "title_en": "Concession at a reduced rent of a heritage building needing restoration",
        "summary_it": (
            "I beni culturali immobili pubblici che oggi non rendono alcun canone e hanno bisogno di restauro possono "
            "essere dati in concessione a enti del Terzo settore attivi nella cultura, nel turismo sociale, nel "
            "patrimonio o nella riqualificazione di beni pubblici inutilizzati, con un canone ridotto. Il "
            "concessionario restaura a sue spese secondo un progetto di gestione che garantisca conservazione e "
            "apertura al pubblico; restano le regole del Codice dei beni culturali."),
        "summary_en": (
            "Public heritage buildings that earn no rent today and need restoration may be granted to third-sector "
            "bodies working in culture, social tourism, heritage or the regeneration of unused public property, at a "
            "reduced rent. The grantee restores them at its own cost under a management plan that keeps them "
            "conserved and open to the public; the Cultural Heritage Code still applies."),
        "legal_basis": "D.Lgs. 3 luglio 2017, n. 117 (Codice del Terzo settore), art. 71, comma 3",
        "legal_basis_url": NORMATTIVA + "decreto.legislativo:2017-07-03;117~art71",
        "decided_by_it": "L'ente pubblico proprietario, con l'autorizzazione della Soprintendenza",
        "decided_by_en": "The owning public body, with the heritage superintendency's authorisation",
        "ownerships": PUBLIC, "kinds": ["cultural", "building", "village"], "instrument": "concessione",
        "steps": [
            _step("Individuazione del bene e avviso", "The property is identified and a call published",
                  "Ente proprietario", "Owning body", 60, "Avviso pubblico", "Public call"),
            _step("Progetto di restauro e di gestione", "Restoration and management plan", "Cooperativa",
                  "Cooperative", 90, "Progetto di restauro, piano di gestione e di apertura al pubblico, piano economico",
                  "Restoration project, management and public opening plan, business plan"),
            _step("Autorizzazione della Soprintendenza", "Heritage superintendency authorisation", "Soprintendenza",
                  "Superintendency", 120, "Autorizzazione ai sensi del D.Lgs. 42/2004",
                  "Authorisation under Legislative Decree 42/2004"),
            _step("Concessione e canone agevolato", "Concession at the reduced rent", "Ente proprietario",
                  "Owning body", 60, "Atto di concessione", "Concession deed"),
            _step("Lavori di restauro", "Restoration works", "Cooperativa", "Cooperative", 540,
                  "Titoli edilizi, stati di avanzamento", "Building permits, progress reports"),
            _step("Apertura al pubblico", "Opening to the public", "Cooperativa", "Cooperative", 60,
                  "Relazione di apertura", "Opening report"),
        ],
    },
    {
        "slug": "co-progettazione-art-55",
        "title_it": "Co-programmazione e co-progettazione con l'amministrazione",
        "title_en": "Co-programming and co-design with the administration",
        "summary_it": (
            "Le amministrazioni pubbliche coinvolgono gli enti del Terzo settore nel programmare e progettare i "
            "servizi di interesse generale: prima individuano insieme i bisogni e le risorse (co-programmazione), "
            "poi definiscono e realizzano progetti specifici (co-progettazione), scegliendo i partner con una "
            "procedura trasparente. Un immobile pubblico dormiente può essere la sede del progetto."),
        "summary_en": (
            "Public administrations involve third-sector bodies in planning and designing services of general "
            "interest: together they first identify needs and resources (co-programming), then define and carry out "
            "specific projects (co-design), choosing the partners through a transparent procedure. A dormant public "
            "building can be where the project lives."),
        "legal_basis": "D.Lgs. 3 luglio 2017, n. 117 (Codice del Terzo settore), art. 55",
        "legal_basis_url": NORMATTIVA + "decreto.legislativo:2017-07-03;117~art55",
        "decided_by_it": "L'amministrazione procedente (di solito il Comune o l'ambito sociale)",
        "decided_by_en": "The administration running the procedure (usually the municipality or the social district)",
        "ownerships": PUBLIC, "kinds": [], "instrument": "convenzione",
        "steps": [
            _step("Avviso di co-programmazione o co-progettazione", "Co-programming or co-design notice",
                  "Amministrazione", "Administration", 45, "Avviso pubblico con obiettivi, durata e criteri",
                  "Public notice with objectives, duration and criteria"),
            _step("Proposta progettuale", "Project proposal", "Cooperativa", "Cooperative", 30,
                  "Proposta progettuale, piano economico", "Project proposal, budget"),
            _step("Tavolo di co-progettazione", "Co-design table", "Amministrazione e enti del Terzo settore",
                  "Administration and third-sector bodies", 60, "Verbali del tavolo, progetto definitivo",
                  "Minutes of the table, final project"),
            _step("Convenzione", "Agreement", "Amministrazione", "Administration", 30,
                  "Convenzione con l'uso dell'immobile", "Agreement including the use of the building"),
            _step("Avvio del progetto", "Start of the project", "Cooperativa", "Cooperative", 90,
                  "Relazione di avvio", "Start-up report"),
        ],
    },
    {
        "slug": "valorizzazione-demanio-art-3-bis",
        "title_it": "Concessione o locazione di valorizzazione di un bene dello Stato",
        "title_en": "Valorisation concession or lease of State property",
        "summary_it": (
            "Gli immobili dello Stato individuati per la valorizzazione possono essere dati in concessione o in "
            "locazione a titolo oneroso a privati che li recuperano, anche con nuove destinazioni d'uso, per "
            "attività economiche o servizi ai cittadini. L'Agenzia del Demanio li mette a gara con bandi come "
            "«Valore Paese»; ai Comuni coinvolti nel procedimento va il 10% del canone per tutta la durata."),
        "summary_en": (
            "State properties selected for valorisation may be granted or leased, for a fee, to private parties that "
            "restore them, also for new uses, for economic activities or services to citizens. The State Property "
            "Agency (Agenzia del Demanio) tenders them through calls such as \"Valore Paese\"; the "
            "municipalities involved in the procedure receive 10% of the rent for its whole term."),
        "legal_basis": "D.L. 25 settembre 2001, n. 351, art. 3-bis (conv. L. 410/2001)",
        "legal_basis_url": NORMATTIVA + "decreto.legge:2001-09-25;351~art3bis",
        "decided_by_it": "Agenzia del Demanio (Ministero dell'economia e delle finanze)",
        "decided_by_en": "The State Property Agency (Ministry of Economy and Finance)",
        "ownerships": ["state"], "kinds": [], "instrument": "concessione",
        "steps": [
            _step("Bando di valorizzazione", "Valorisation call", "Agenzia del Demanio", "State Property Agency", 90,
                  "Bando e schede degli immobili", "Call and property sheets"),
            _step("Sopralluogo e offerta", "Site visit and bid", "Cooperativa", "Cooperative", 90,
                  "Proposta tecnica, piano economico-finanziario, offerta economica",
                  "Technical proposal, business plan, financial offer"),
            _step("Aggiudicazione", "Award", "Agenzia del Demanio", "State Property Agency", 90,
                  "Provvedimento di aggiudicazione", "Award decision"),
            _step("Firma della concessione", "Concession signed", "Agenzia del Demanio e cooperativa",
                  "State Property Agency and cooperative", 60, "Atto di concessione o contratto di locazione",
                  "Concession deed or lease contract"),
            _step("Lavori di recupero", "Restoration works", "Cooperativa", "Cooperative", 540,
                  "Titoli edilizi, stati di avanzamento", "Building permits, progress reports"),
        ],
    },
    {
        "slug": "patto-di-collaborazione",
        "title_it": "Patto di collaborazione per la cura di un bene comune urbano",
        "title_en": "Collaboration pact for the shared care of an urban commons",
        "summary_it": (
            "La Costituzione chiede a Stato, Regioni ed enti locali di favorire l'iniziativa autonoma dei cittadini "
            "per attività di interesse generale. Molti Comuni l'hanno tradotto in un regolamento sull'amministrazione "
            "condivisa, spesso sul modello proposto da Labsus: cittadini, associazioni e cooperative propongono la "
            "cura, la gestione condivisa o la rigenerazione di uno spazio, e lo concordano con il Comune in un patto "
            "di collaborazione. Vale dove il Comune ha adottato il regolamento."),
        "summary_en": (
            "The Constitution asks the State, regions and local authorities to favour citizens' own initiative for "
            "activities of general interest. Many municipalities have turned this into a regulation on shared "
            "administration, often following the model proposed by Labsus: citizens, associations and cooperatives "
            "propose the care, shared management or regeneration of a space and agree it with the municipality in a "
            "collaboration pact. It applies where the municipality has adopted the regulation."),
        "legal_basis": "Costituzione, art. 118, ultimo comma; regolamento comunale sui beni comuni (modello Labsus)",
        "legal_basis_url": NORMATTIVA + "costituzione:1947-12-27~art118",
        "decided_by_it": "Il Comune, tramite l'ufficio indicato dal suo regolamento",
        "decided_by_en": "The municipality, through the office its regulation names",
        "ownerships": ["municipality", "other_public"], "kinds": [], "instrument": "patto",
        "steps": [
            _step("Proposta di collaborazione", "Collaboration proposal", "Cooperativa", "Cooperative", 15,
                  "Proposta di collaborazione (modulo del Comune)", "Collaboration proposal (municipal form)"),
            _step("Istruttoria e pubblicazione", "Review and publication", "Comune", "Municipality", 45,
                  "Parere degli uffici, pubblicazione per osservazioni", "Offices' opinion, publication for comments"),
            _step("Firma del patto", "Pact signed", "Comune e cooperativa", "Municipality and cooperative", 30,
                  "Patto di collaborazione", "Collaboration pact"),
            _step("Attività e rendicontazione", "Activities and reporting", "Cooperativa", "Cooperative", 365,
                  "Rendiconto annuale", "Annual report"),
        ],
    },
    {
        "slug": "uso-temporaneo-art-23-quater",
        "title_it": "Uso temporaneo di un edificio o di un'area dismessa",
        "title_en": "Temporary use of a disused building or area",
        "summary_it": (
            "Per avviare la rigenerazione di immobili e aree dismesse, il Comune può consentirne l'uso temporaneo "
            "anche per usi diversi da quelli del piano urbanistico, senza cambiarne la destinazione. Vale per beni "
            "pubblici e privati, per iniziative di rilevante interesse pubblico o generale; una convenzione fissa "
            "durata, "
            "modalità, ripristino e garanzie. Per i beni pubblici il gestore si sceglie con procedura pubblica. Molte "
            "Regioni hanno leggi proprie sugli usi temporanei."),
        "summary_en": (
            "To start regenerating disused buildings and areas, the municipality may allow their temporary use, also "
            "for uses other than those of the zoning plan, without changing their designated use. It applies to "
            "public and private property, for initiatives of significant public or general interest; an agreement "
            "sets the "
            "duration, the terms, the restoration and the guarantees. For public property the operator is chosen "
            "through a public procedure. Many regions have laws of their own on temporary uses."),
        "legal_basis": "D.P.R. 6 giugno 2001, n. 380 (Testo unico edilizia), art. 23-quater; leggi regionali",
        "legal_basis_url": NORMATTIVA + "decreto.del.presidente.della.repubblica:2001-06-06;380~art23quater",
        "decided_by_it": "Il Comune (con il consenso del proprietario, se privato)",
        "decided_by_en": "The municipality (with the owner's consent when private)",
        "ownerships": [*PUBLIC, "private", "ecclesiastical"],
        "kinds": ["building", "land", "urban_complex", "periphery", "industrial", "infrastructure", "other"],
        "instrument": "convenzione",
        "steps": [
            _step("Accordo con il proprietario", "Agreement with the owner", "Cooperativa e proprietario",
                  "Cooperative and owner", 30, "Lettera di disponibilità del proprietario", "Owner's letter of consent"),
            _step("Richiesta di uso temporaneo", "Temporary use request", "Cooperativa", "Cooperative", 30,
                  "Progetto di uso temporaneo, verifiche di sicurezza e accessibilità",
                  "Temporary use plan, safety and accessibility checks"),
            _step("Convenzione di uso temporaneo", "Temporary use agreement", "Comune", "Municipality", 60,
                  "Convenzione (durata, modalità, ripristino, garanzie)",
                  "Agreement (duration, terms, restoration, guarantees)"),
            _step("Adeguamenti reversibili e apertura", "Reversible works and opening", "Cooperativa", "Cooperative",
                  60, "Comunicazione di avvio", "Start notice"),
        ],
    },
    {
        "slug": "accordo-con-proprietario-privato",
        "title_it": "Comodato o locazione con un proprietario privato o ecclesiastico",
        "title_en": "Free loan or lease with a private or ecclesiastical owner",
        "summary_it": (
            "Quando il bene è di un privato o di un ente ecclesiastico, basta un contratto: un comodato (gratuito) o "
            "una locazione, secondo il Codice civile. Per un ente ecclesiastico gli atti che vanno oltre "
            "l'ordinaria amministrazione richiedono le autorizzazioni previste dalle sue regole. Il Comune non "
            "decide, ma può sostenere il progetto (patti, usi temporanei, contributi)."),
        "summary_en": (
            "When the property belongs to a private owner or a church body, a contract is enough: a free loan "
            "(comodato) or a lease, under the Civil Code. For a church body, acts beyond ordinary administration need "
            "the authorisations its own rules require. The municipality does not decide, but may support the project "
            "(pacts, temporary uses, grants)."),
        "legal_basis": "Codice civile, artt. 1803 ss. (comodato) e 1571 ss. (locazione)",
        "legal_basis_url": NORMATTIVA + "regio.decreto:1942-03-16;262:2~art1803",
        "decided_by_it": "Il proprietario (per un ente ecclesiastico, con le autorizzazioni richieste)",
        "decided_by_en": "The owner (for a church body, with the authorisations required)",
        "ownerships": ["private", "ecclesiastical"], "kinds": [], "instrument": "comodato",
        "steps": [
            _step("Contatto con il proprietario", "Contact with the owner", "Cooperativa", "Cooperative", 30,
                  "Visura catastale, lettera di presentazione", "Land registry extract, introduction letter"),
            _step("Trattativa e autorizzazioni", "Negotiation and authorisations", "Proprietario", "Owner", 60,
                  "Bozza di contratto, autorizzazioni dell'ente", "Draft contract, the body's authorisations"),
            _step("Firma e registrazione del contratto", "Contract signed and registered", "Proprietario e cooperativa",
                  "Owner and cooperative", 30, "Contratto registrato", "Registered contract"),
            _step("Avvio delle attività", "Start of the activities", "Cooperativa", "Cooperative", 90,
                  "Relazione di avvio", "Start-up report"),
        ],
    },
]


def seed_pathways(pathway_model=None, step_model=None):
    """Create the seed pathways and steps that are missing (by slug and position); returns how many were created.
    Existing rows are left as moderators edited them. Takes the models so a migration can pass its own."""
    if pathway_model is None:
        from commons.models import Pathway as pathway_model, PathwayStep as step_model  # noqa: N813
    created = 0
    for position, data in enumerate(PATHWAYS, start=1):
        fields = {key: value for key, value in data.items() if key not in ("slug", "steps")}
        pathway, new = pathway_model.objects.get_or_create(slug=data["slug"], defaults={**fields, "position": position})
        created += new
        for order, step in enumerate(data["steps"], start=1):
            created += step_model.objects.get_or_create(pathway=pathway, position=order, defaults=step)[1]
    return created
