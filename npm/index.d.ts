// Types for @tryon/widget. The option names and accepted values mirror the
// widget's own check (src/options.rs in the repository): a value outside these
// types is refused at mount time with an Error naming the option.

/** What kind of garment is tried on, which decides the body region it covers. */
export type TryOnCategory =
  /** Classified from the garment photo (the default). */
  | 'auto'
  /** Upper body. */
  | 'tops'
  /** Lower body. */
  | 'bottoms'
  /** Dresses, jumpsuits and full outfits. */
  | 'one-pieces';

/** The speed/quality trade-off of a run. */
export type TryOnMode =
  /** About 6 s. */
  | 'performance'
  /** About 9 s (the default). */
  | 'balanced'
  /** 12–18 s, depending on the input resolution. */
  | 'quality';

/** The image format of the results. */
export type TryOnOutputFormat =
  /** Best quality (the default). */
  | 'png'
  /** Smaller and faster. */
  | 'jpeg';

/** How the garment was photographed. */
export type TryOnGarmentPhotoType =
  /** Detected from the photo (the default). */
  | 'auto'
  /** Flat-lay or ghost-mannequin photo. */
  | 'flat-lay'
  /** Worn by a person. */
  | 'model';

/** How strictly the garment image is screened for revealing content. */
export type TryOnModerationLevel =
  /** Blocks underwear, swimwear and revealing outfits. */
  | 'conservative'
  /** Blocks explicit nudity only (the default). */
  | 'permissive'
  /** No moderation: the merchant stays responsible for lawful use. */
  | 'none';

/**
 * The widget's languages (`ar` and `he` right to left; `pt` is Brazil's Portuguese,
 * `pt-PT` Portugal's, also picked by `pt-AO`, `pt-MZ`, `pt-CV`, `pt-GW`, `pt-ST`, `pt-TL`, `pt-MO`, `pt-CH`, `pt-LU`, `pt-GQ`).
 */
export type TryOnLanguage = 'en' | 'de' | 'fr' | 'es' | 'it' | 'nl' | 'pt' | 'pt-PT' | 'pl' | 'sv' | 'tr' | 'ja' | 'ar' | 'he';
/**
 * The widget's language. A regional tag is accepted too: its language picks the
 * strings (`de-AT`, `fr_CA` → `de`, `fr`), the whole tag how numbers are written
 * (`ar-SA`: Arabic-Indic digits).
 */
export type TryOnLocale = TryOnLanguage | `${TryOnLanguage}-${string}` | `${TryOnLanguage}_${string}`;

/** Colour scheme of the widget. */
export type TryOnTheme =
  /** Follows the shopper's system setting (the default). */
  | 'auto'
  | 'light'
  | 'dark';

/** Number of results per run: a whole number from 1 to 4. */
export type TryOnNumSamples = 1 | 2 | 3 | 4;

/** The keys of the widget's texts, for {@link TryOnOptions.strings}. */
export type TryOnStringKey =
  /** The button on the product page ("Try it on"). */
  | 'openButton'
  /** Closes the widget. */
  | 'close'
  /** Heading of the first step. */
  | 'startTitle'
  /** What happens to the photo. */
  | 'privacy'
  /** Heading of the photo guidelines. */
  | 'guidelinesTitle'
  /** Guideline: one person. */
  | 'guideOnePerson'
  /** Guideline: facing the camera. */
  | 'guideFacing'
  /** Guideline: light. */
  | 'guideLight'
  /** Guideline: framing. */
  | 'guideFramed'
  /** Opens the file picker. */
  | 'choosePhoto'
  /** Opens the camera. */
  | 'takePhoto'
  /** Drop and paste hint. */
  | 'dropHint'
  /** Uses the merchant's sample photo. */
  | 'useSamplePhoto'
  /** Uses the remembered photo. */
  | 'useSavedPhoto'
  /** Deletes the remembered photo. */
  | 'forgetPhoto'
  /** Opt-in to remember the photo. */
  | 'rememberPhoto'
  /** Camera step heading. */
  | 'cameraTitle'
  /** Camera video label. */
  | 'cameraLabel'
  /** Front/back camera switch. */
  | 'switchCamera'
  /** Starts the countdown. */
  | 'capture'
  /** Back to the previous step. */
  | 'back'
  /** Camera refused or absent (`{reason}` is one of the five reasons below). */
  | 'cameraUnavailable'
  /** Camera reason: the page cannot use a camera (not a secure page). */
  | 'cameraNoAccess'
  /** Camera reason: permission refused. */
  | 'cameraRefused'
  /** Camera reason: no camera found. */
  | 'cameraNotFound'
  /** Camera reason: another app holds the camera. */
  | 'cameraBusy'
  /** Camera reason: anything else. */
  | 'cameraFailed'
  /** The loader's message when the widget's files could not be loaded. */
  | 'loadFailed'
  /** Crop step heading. */
  | 'cropTitle'
  /** Crop instructions. */
  | 'cropHint'
  /** Accessible name of the crop frame. */
  | 'cropFrameLabel'
  /** Confirms the crop. */
  | 'usePhoto'
  /** Small photo warning. */
  | 'smallPhoto'
  /** An image format the browser cannot read. */
  | 'unsupportedFormat'
  /** Not an image at all. */
  | 'notAPhoto'
  /** Progress: upload. */
  | 'stageUploading'
  /** Progress: queued. */
  | 'stageQueued'
  /** Progress: generating. */
  | 'stageGenerating'
  /** Progress: time estimate. */
  | 'estimate'
  /** Progress: connection lost. */
  | 'reconnecting'
  /** Stops waiting. */
  | 'cancel'
  /** Results heading. */
  | 'resultsTitle'
  /** Result picture description when no product name was given. */
  | 'resultAltUnnamed'
  /** Result picture description with the product's name. */
  | 'resultAlt'
  /** The shopper's own photo. */
  | 'yourPhoto'
  /** Before/after slider label. */
  | 'compare'
  /** Download button. */
  | 'download'
  /** Start over with a new photo. */
  | 'tryAnotherPhoto'
  /** Same photo, again. */
  | 'tryAgain'
  /** Heading of a failed try-on. */
  | 'failedTitle'
  /** The photo's pose could not be used (PoseError). */
  | 'errorPose'
  /** An image could not be loaded (ImageLoadError). */
  | 'errorImageLoad'
  /** Refused by content moderation (ContentModerationError). */
  | 'errorModeration'
  /** The try-on pipeline failed (PipelineError). */
  | 'errorPipeline'
  /** A third-party service failed (ThirdPartyError). */
  | 'errorThirdParty'
  /** Any other error (with the job id to quote). */
  | 'errorGeneric'
  /** Waited too long. */
  | 'errorTimeout'
  /** Shares the result picture through the device's share sheet. */
  | 'share'
  /** Puts the product tried on in the shop's cart. */
  | 'addToCart'
  /** Label of the row of the product's other colours (`variants`). */
  | 'otherColours'
  /** Heading of "Your try-ons", this tab's earlier pictures. */
  | 'yourTryOns'
  /** Removes one of those (`{item}`: its name and time). */
  | 'removeTryOn'
  /** A try-on kept from before a reload has expired on the service. */
  | 'errorExpired'
  /** Service unreachable or refusing. */
  | 'errorService'
  /** A failure before the job had an id. */
  | 'errorGenericNoReference'
  /** The widget itself failed (a bug). */
  | 'errorWidget'
  /** The shopper used their try-ons for now (QuotaExceeded: `{minutes}` until more). */
  | 'errorQuota'
  /** The shop's try-on budget for today is spent (SpendingLimitReached). */
  | 'errorPaused'
  /** Try-ons left for now (`{n}`, 1 or more: `{n, plural, one {…} other {…}}`). */
  | 'triesLeft'
  /** None left: when the shopper can go on (`{minutes}`). */
  | 'triesNone'
  /** Photo tips link after a PoseError. */
  | 'photoTips'
  /** Retake after a PoseError. */
  | 'retake'
  /** Heading of the advice about the photo (the photo check found problems). */
  | 'adviceTitle'
  /** Above the advice: why it is given. */
  | 'adviceLead'
  /** Advice: nobody is in the photo. */
  | 'adviceNoPerson'
  /** Advice: several people are in the photo (`{count}`). */
  | 'adviceSeveralPeople'
  /** Advice: body parts the garment covers are not in the photo (`{parts}`, e.g. "shoulders and hips"). */
  | 'adviceNotInFrame'
  /** Advice: the shopper is turned away from the camera. */
  | 'adviceNotFacing'
  /** Body part in `adviceNotInFrame`. */
  | 'bodyShoulders'
  /** Body part in `adviceNotInFrame`. */
  | 'bodyHips'
  /** Body part in `adviceNotInFrame`. */
  | 'bodyKnees'
  /** Joins the last body part to the others: `"{first} and {last}"`. */
  | 'listAnd'
  /** Leaves the advice to give another photo. */
  | 'chooseAnotherPhoto'
  /** Goes on with the try-on despite the advice. */
  | 'tryAnyway';

/**
 * Everything a merchant can set. `garmentImage` or `garmentSelector` is
 * required. Every name is also accepted in kebab-case (`garment-image`), as in
 * the `data-*` attributes; a name not listed here is refused.
 */
export interface TryOnOptions {
  /** Where session tokens are minted (`POST`). Default `"/v1/sessions"`. */
  sessionUrl?: string;
  /** Base URL of the try-on API (the gateway); default `""`, the page's own origin. A trailing `/` is dropped. */
  apiBase?: string;
  /** The garment: an image URL or a data URL. Required unless `garmentSelector` is given. */
  garmentImage?: string;
  /** A CSS selector of an `<img>` on the page to take the garment from. */
  garmentSelector?: string;
  /** The product's name, for labels, "Your try-ons" and the events. */
  productName?: string;
  /**
   * The product's other colours (or patterns, sizes), at most 12. With a result
   * shown, a tap on one tries the same photo on in it (one new job, no capture).
   */
  variants?: TryOnVariant[];
  /** A sample photo URL for visitors without a photo of their own ("Use a sample photo"). */
  samplePhoto?: string;
  /** Garment category. Default `"auto"`. */
  category?: TryOnCategory;
  /** Speed/quality trade-off. Default `"balanced"`. */
  mode?: TryOnMode;
  /** Results per run, 1 to 4. Default `1`. */
  numSamples?: TryOnNumSamples;
  /** Result format. Default `"png"`. */
  outputFormat?: TryOnOutputFormat;
  /** How the garment was photographed. Default `"auto"`. */
  garmentPhotoType?: TryOnGarmentPhotoType;
  /** Fit without segmenting the old clothing. Default `true`. */
  segmentationFree?: boolean;
  /**
   * Keep this tab's try-ons (job handles and result URLs, never images) in
   * `sessionStorage`, so a reload or coming back shows them again with no new job.
   * Default `true`.
   */
  persistResults?: boolean;
  /**
   * Show "Add to cart" with the results. A click dispatches `tryon:add-to-cart`;
   * the widget never touches the cart itself. Default `false`.
   */
  addToCart?: boolean;
  /**
   * Called when the shopper taps "Add to cart" (and shows that button), with the
   * product and the try-on: add it to your cart here.
   */
  onAddToCart?: (detail: TryOnAddToCartDetail) => void;
  /** Content screening of the garment image. Default `"permissive"`. */
  moderationLevel?: TryOnModerationLevel;
  /** Random seed, a whole number from 0 to 4294967295. Default `42`. */
  seed?: number;
  /** Language of the widget. Default `"en"`. */
  locale?: TryOnLocale;
  /** Colour scheme. Default `"auto"`. */
  theme?: TryOnTheme;
  /** Give up waiting for a result after this many seconds, a whole number from 10 to 900. Default `180`. */
  maxWaitSeconds?: number;
  /** Your own texts, by key, in place of the built-in ones (e.g. `{ openButton: "See it on me" }`). An unknown key is refused. */
  strings?: Partial<Record<TryOnStringKey, string>>;
}

/** A mounted widget. */
export interface TryOnWidget {
  /** Opens the panel. Throws after `destroy()`. */
  open(): void;
  /** Closes the panel. Throws after `destroy()`. */
  close(): void;
  /** Removes the widget from its element and frees it. Calling it again does nothing. */
  destroy(): void;
}

/** Detail of `tryon:open`: none (`null`). */
export type TryOnOpenDetail = null;
/** Detail of `tryon:close`: none (`null`). */
export type TryOnCloseDetail = null;

/** Detail of `tryon:share`: the shopper shared or downloaded a result. */
export interface TryOnShareDetail {
  jobId: string;
  /** The device's share sheet, or the download (where sharing files is not possible). */
  method: 'share' | 'download';
}

/** One of the product's colours (the `variants` option). */
export interface TryOnVariant {
  /** Its name, on its button ("Red"). */
  name: string;
  /** Its garment picture: a URL (relative URLs are made absolute). */
  garmentImage: string;
}

/** Detail of `tryon:add-to-cart`: the shopper wants the product tried on. */
export interface TryOnAddToCartDetail {
  /** The `productName` option. */
  product: string;
  /** The colour tried on (a `variants` name), or `null`. */
  variant: string | null;
  jobId: string;
}

/** Detail of `tryon:variant`: the shopper tries the product on in another colour. */
export interface TryOnVariantDetail {
  /** The `productName` option. */
  product: string;
  /** The colour's name. */
  variant: string;
}

/** Detail of `tryon:restore`: a try-on this tab kept, shown again (no new job). */
export interface TryOnRestoreDetail {
  jobId: string;
  /** Still running (the widget waits for it again), or done (its pictures shown). */
  status: 'running' | 'completed';
}

/** Detail of `tryon:photo-ready`: the prepared photo's size in pixels. */
export interface TryOnPhotoReadyDetail {
  width: number;
  height: number;
}

/** A problem the photo check found, as the gateway names it. */
export type TryOnPhotoProblem =
  /** Nobody is in the photo. */
  | { reason: 'no_person' }
  /** More than one person is in the photo. */
  | { reason: 'several_people'; count: number }
  /** Parts of the body the garment covers are not in the photo, from the top down. */
  | { reason: 'not_in_frame'; parts: Array<'shoulders' | 'hips' | 'knees'> }
  /** The person has their back or side to the camera. */
  | { reason: 'not_facing' };

/** Detail of `tryon:advice`: what the photo check found before the try-on. */
export interface TryOnAdviceDetail {
  problems: TryOnPhotoProblem[];
}

/** Detail of `tryon:submit`: the job that was submitted. */
export interface TryOnSubmitDetail {
  jobId: string;
}

/** Detail of `tryon:complete`: the job and the URLs of its result images. */
export interface TryOnCompleteDetail {
  jobId: string;
  /** The result images' URLs, one per sample. */
  output: string[];
}

/** Detail of `tryon:error`: why a try-on failed. */
export interface TryOnErrorDetail {
  /**
   * The error's name: one of the API's (`"PoseError"`, `"ImageLoadError"`,
   * `"ContentModerationError"`, `"PipelineError"`, `"ThirdPartyError"`, the
   * gateway's `"TokenExpired"`…) or the widget's own `"TimedOut"`,
   * `"Unreachable"`, `"Aborted"`.
   */
  name: string;
  /** The message the shopper was shown, in the widget's language. */
  message: string;
  /** The job, when one had been submitted; otherwise `null`. */
  jobId: string | null;
}

/**
 * The events a widget dispatches on its host element. They bubble and cross
 * the shadow boundary (`composed`), so a listener on `document` hears every
 * widget.
 */
export interface TryOnEventMap {
  /** The panel opened. */
  'tryon:open': CustomEvent<TryOnOpenDetail>;
  /** A photo is framed and prepared. */
  'tryon:photo-ready': CustomEvent<TryOnPhotoReadyDetail>;
  /**
   * The photo check found problems: the shopper is advised, and chooses another
   * photo or tries this one on anyway (then `tryon:submit` follows).
   */
  'tryon:advice': CustomEvent<TryOnAdviceDetail>;
  /** A job was submitted. */
  'tryon:submit': CustomEvent<TryOnSubmitDetail>;
  /** Results are shown. */
  'tryon:complete': CustomEvent<TryOnCompleteDetail>;
  /** A try-on failed. */
  'tryon:error': CustomEvent<TryOnErrorDetail>;
  /** The panel closed. */
  'tryon:close': CustomEvent<TryOnCloseDetail>;
  /** A try-on this tab kept is shown again (after a reload, or on coming back). */
  'tryon:restore': CustomEvent<TryOnRestoreDetail>;
  /** The shopper shared or downloaded a result. */
  'tryon:share': CustomEvent<TryOnShareDetail>;
  /** The shopper tapped "Add to cart": add the product to your cart. */
  'tryon:add-to-cart': CustomEvent<TryOnAddToCartDetail>;
  /** The shopper tries another colour (one new job, the same photo). */
  'tryon:variant': CustomEvent<TryOnVariantDetail>;
}

declare global {
  // Typed `addEventListener('tryon:complete', (e) => e.detail.output)` on elements and the document.
  interface HTMLElementEventMap extends TryOnEventMap {}
  interface DocumentEventMap extends TryOnEventMap {}
}

/**
 * Mounts the try-on widget on `element` (in an open shadow root) and resolves
 * to its handle. The WebAssembly is loaded and initialised on the first call,
 * once per page. Must run in the browser (in React's `useEffect`, Vue's
 * `onMounted`); without a DOM it rejects.
 *
 * Without `options`, the element's `data-*` attributes are read. A wrong
 * option rejects with an Error naming the option and the accepted values.
 * Mounting again on an element that already has a widget replaces it.
 *
 * @param element The element to put the widget in (e.g. a `<div>`), or a CSS selector of it.
 * @param options The widget's options.
 */
export function mount(element: HTMLElement | string, options?: TryOnOptions): Promise<TryOnWidget>;

/**
 * Prepares a photo for the try-on API without the widget's UI: orientation,
 * the largest centred 2:3 frame, 864×1296 (never upscaled), JPEG. Resolves to
 * a `data:image/jpeg;base64,…` URL. Browser only.
 *
 * @param blob The photo, e.g. a `File` from an `<input type="file">`.
 */
export function preparePhoto(blob: Blob): Promise<string>;

/**
 * Preloads the widget (its script and WebAssembly), e.g. on hover, so that a
 * later `mount` is instant (in a language other than English, once its pack, a
 * lazy chunk of about 2 KB, has arrived). Safe anywhere: without a DOM (server-side
 * rendering) it resolves at once and does nothing. Rejects when the
 * WebAssembly cannot be loaded.
 */
export function load(): Promise<void>;
