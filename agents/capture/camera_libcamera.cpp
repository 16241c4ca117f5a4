/* camera_libcamera.cpp - the Pi camera ("libcamera"): a thin C++ shim over
 * libcamera behind the C interface of camera.h.
 *
 * open() starts a CameraManager, takes the first camera, configures one
 * StillCapture stream of YUV420 at the full sensor size, allocates its
 * buffers, maps their planes and starts the camera. A capture fills one
 * Request with the shot's controls, queues it and waits (condition
 * variable, with a timeout) for libcamera's thread to complete it; it
 * queues it again, without new controls, until the sensor runs with what
 * was asked (a manual exposure takes a few frames to reach the sensor, auto
 * exposure a few more to settle). The last frame is compressed by TurboJPEG
 * straight from the mapped planes, with their strides.
 *
 * Controls are looked up by name in camera->controls() at run time, and
 * only those the camera offers are set: the same code works on libcamera
 * 0.0.3 (Debian 12) and newer versions that added, renamed or made settable
 * controls (ColourTemperature, AfMode, ExposureTimeMode...). Our names are
 * mapped to libcamera values by camera_controls_map.c, whose numbers are
 * checked against libcamera's enumerators below.
 */
#include <sys/mman.h>
#include <turbojpeg.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <libcamera/libcamera.h>

/* camera.h names functions after the structs they fill (camera_meter,
 * camera_info), which C++ reports as hiding the structs' constructors. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
extern "C" {
#include "camera.h"
#include "camera_controls_map.h"
}
#pragma GCC diagnostic pop

namespace lc = libcamera;

extern "C" const struct camera_ops camera_libcamera_plugin_ops;

static_assert(int(CAMERA_AWB_AUTO) == int(lc::controls::AwbAuto), "AwbAuto");
static_assert(int(CAMERA_AWB_INCANDESCENT) == int(lc::controls::AwbIncandescent),
	      "AwbIncandescent");
static_assert(int(CAMERA_AWB_TUNGSTEN) == int(lc::controls::AwbTungsten), "AwbTungsten");
static_assert(int(CAMERA_AWB_FLUORESCENT) == int(lc::controls::AwbFluorescent), "AwbFluorescent");
static_assert(int(CAMERA_AWB_INDOOR) == int(lc::controls::AwbIndoor), "AwbIndoor");
static_assert(int(CAMERA_AWB_DAYLIGHT) == int(lc::controls::AwbDaylight), "AwbDaylight");
static_assert(int(CAMERA_AWB_CLOUDY) == int(lc::controls::AwbCloudy), "AwbCloudy");
static_assert(int(CAMERA_AWB_CUSTOM) == int(lc::controls::AwbCustom), "AwbCustom");
static_assert(int(CAMERA_METERING_CENTRE) == int(lc::controls::MeteringCentreWeighted), "centre");
static_assert(int(CAMERA_METERING_SPOT) == int(lc::controls::MeteringSpot), "spot");
static_assert(int(CAMERA_METERING_MATRIX) == int(lc::controls::MeteringMatrix), "matrix");
static_assert(int(CAMERA_AF_MANUAL) == int(lc::controls::AfModeManual), "AfModeManual");
static_assert(int(CAMERA_AF_AUTO) == int(lc::controls::AfModeAuto), "AfModeAuto");
static_assert(int(CAMERA_AF_CONTINUOUS) == int(lc::controls::AfModeContinuous), "AfModeContinuous");

namespace
{

constexpr int MANUAL_SETTLE_FRAMES = 8;
constexpr int AE_SETTLE_FRAMES = 16;
constexpr int FRAME_TIMEOUT_MS = 5000; /* plus three times the exposure */

void fail(char why[ERRMSG_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void fail(char why[ERRMSG_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, ERRMSG_MAX, fmt, ap);
	va_end(ap);
}

/* Whether a control's minimum (of any numeric type, or none) admits 0. */
bool allows_zero(const lc::ControlValue &min)
{
	switch (min.type()) {
	case lc::ControlTypeInteger32: return min.get<int32_t>() <= 0;
	case lc::ControlTypeInteger64: return min.get<int64_t>() <= 0;
	case lc::ControlTypeFloat: return min.get<float>() <= 0;
	default: return false;
	}
}

class Shim
{
      public:
	~Shim();
	int open(struct camera_info *info, char why[ERRMSG_MAX]);
	int configure(lc::Size size, char why[ERRMSG_MAX]);
	int take(const struct camera_controls *ctl, struct camera_meter *meta,
		 char why[ERRMSG_MAX]);
	int compress(tjhandle tj, int quality, unsigned char **jpeg, unsigned long *size,
		     char why[ERRMSG_MAX]);
	lc::Size size() const
	{
		return size_;
	}
	/* What configure() was last asked for; the camera may adjust it. */
	lc::Size asked() const
	{
		return asked_;
	}
	lc::Size full() const
	{
		return full_;
	}

      private:
	void on_complete(lc::Request *request);
	void teardown_stream();
	int map_buffer(lc::FrameBuffer *fb, char why[ERRMSG_MAX]);
	const lc::ControlId *control(const char *name) const;
	void set_bool(lc::ControlList &cl, const char *name, bool v) const;
	void set_int(lc::ControlList &cl, const char *name, int32_t v) const;
	void set_float(lc::ControlList &cl, const char *name, float v) const;
	void set_controls(lc::ControlList &cl, const struct camera_controls *ctl) const;
	int run_frame(bool with_controls, const struct camera_controls *ctl, int timeout_ms,
		      char why[ERRMSG_MAX]);
	struct camera_meter read_meta();

	std::unique_ptr<lc::CameraManager> cm_;
	std::shared_ptr<lc::Camera> cam_;
	bool acquired_ = false, started_ = false, connected_ = false;
	std::unique_ptr<lc::CameraConfiguration> config_;
	std::unique_ptr<lc::FrameBufferAllocator> alloc_;
	lc::Stream *stream_ = nullptr;
	lc::Size size_, asked_, full_;
	unsigned int stride_ = 0;
	std::vector<std::pair<void *, size_t>> maps_;
	std::map<const lc::FrameBuffer *, std::array<unsigned char *, 3>> planes_;
	std::unique_ptr<lc::Request> request_;
	lc::FrameBuffer *buffer_ = nullptr;

	std::mutex mu_;
	std::condition_variable cv_;
	bool done_ = false;
};

Shim::~Shim()
{
	teardown_stream();
	if (cam_ && connected_)
		cam_->requestCompleted.disconnect(this);
	if (cam_ && acquired_)
		cam_->release();
	cam_.reset();
	if (cm_)
		cm_->stop();
}

/* Runs on libcamera's thread: record and wake the waiting capture. */
void Shim::on_complete(lc::Request *request)
{
	(void)request;
	std::lock_guard<std::mutex> lock(mu_);
	done_ = true;
	cv_.notify_all();
}

void Shim::teardown_stream()
{
	if (cam_ && started_) {
		cam_->stop();
		started_ = false;
	}
	request_.reset();
	buffer_ = nullptr;
	for (auto &m : maps_)
		munmap(m.first, m.second);
	maps_.clear();
	planes_.clear();
	alloc_.reset();
	config_.reset();
	stream_ = nullptr;
}

int Shim::open(struct camera_info *info, char why[ERRMSG_MAX])
{
	cm_ = std::make_unique<lc::CameraManager>();
	int ret = cm_->start();
	if (ret < 0) {
		cm_.reset();
		fail(why, "libcamera: cannot start the camera manager: %s", strerror(-ret));
		return SL_ERR_CAMERA;
	}
	std::vector<std::shared_ptr<lc::Camera>> cams = cm_->cameras();
	if (cams.empty()) {
		fail(why, "libcamera: no camera found");
		return SL_ERR_CAMERA;
	}
	cam_ = cams[0];
	if (cam_->acquire() < 0) {
		fail(why, "libcamera: camera %s is in use by another program", cam_->id().c_str());
		return SL_ERR_BUSY;
	}
	acquired_ = true;
	cam_->requestCompleted.connect(this, &Shim::on_complete);
	connected_ = true;

	const lc::ControlList &props = cam_->properties();
	std::optional<lc::Size> full = props.get(lc::properties::PixelArraySize);
	std::optional<std::string> model = props.get(lc::properties::Model);
	snprintf(info->model, sizeof(info->model), "%s",
		 model ? model->c_str() : cam_->id().c_str());
	snprintf(info->source, sizeof(info->source), "libcamera");
	full_ = full ? *full : lc::Size(0, 0);
	int rc = configure(full_, why);
	if (rc < 0)
		return rc;
	info->width = (int)size_.width;
	info->height = (int)size_.height;
	return 0;
}

/* (Re)configures the still stream at `size` (0x0: the camera's default
 * still size) and starts the camera. */
int Shim::configure(lc::Size size, char why[ERRMSG_MAX])
{
	teardown_stream();
	asked_ = lc::Size(0, 0); /* until it succeeds, so the next capture retries */
	config_ = cam_->generateConfiguration({lc::StreamRole::StillCapture});
	if (!config_ || config_->size() != 1) {
		fail(why, "libcamera: no still capture configuration");
		return SL_ERR_CAMERA;
	}
	lc::StreamConfiguration &sc = config_->at(0);
	sc.pixelFormat = lc::formats::YUV420;
	if (size.width > 0 && size.height > 0)
		sc.size = size;
	if (config_->validate() == lc::CameraConfiguration::Invalid ||
	    sc.pixelFormat != lc::formats::YUV420) {
		fail(why, "libcamera: the camera cannot deliver YUV420 stills");
		return SL_ERR_CAMERA;
	}
	int ret = cam_->configure(config_.get());
	if (ret < 0) {
		fail(why, "libcamera: configure failed: %s", strerror(-ret));
		return SL_ERR_CAMERA;
	}
	stream_ = sc.stream();
	size_ = sc.size;
	stride_ = sc.stride;
	alloc_ = std::make_unique<lc::FrameBufferAllocator>(cam_);
	if (alloc_->allocate(stream_) <= 0) {
		fail(why, "libcamera: cannot allocate frame buffers");
		return SL_ERR_CAMERA;
	}
	buffer_ = alloc_->buffers(stream_)[0].get();
	int rc = map_buffer(buffer_, why);
	if (rc < 0)
		return rc;
	request_ = cam_->createRequest();
	if (!request_ || request_->addBuffer(stream_, buffer_) < 0) {
		fail(why, "libcamera: cannot create a request");
		return SL_ERR_CAMERA;
	}
	ret = cam_->start();
	if (ret < 0) {
		fail(why, "libcamera: cannot start the camera: %s", strerror(-ret));
		return SL_ERR_CAMERA;
	}
	started_ = true;
	asked_ = size;
	return 0;
}

/* Maps the buffer's planes. YUV420 comes as three planes or as one plane
 * holding all three; the planes may share one dmabuf at offsets. */
int Shim::map_buffer(lc::FrameBuffer *fb, char why[ERRMSG_MAX])
{
	std::map<int, size_t> lengths;
	std::map<int, unsigned char *> bases;

	for (const lc::FrameBuffer::Plane &p : fb->planes()) {
		size_t end = (size_t)p.offset + p.length;
		if (p.offset == lc::FrameBuffer::Plane::kInvalidOffset)
			end = p.length;
		if (end > lengths[p.fd.get()])
			lengths[p.fd.get()] = end;
	}
	for (const auto &l : lengths) {
		void *m = mmap(nullptr, l.second, PROT_READ, MAP_SHARED, l.first, 0);
		if (m == MAP_FAILED) {
			fail(why, "libcamera: cannot map a frame buffer: %s", strerror(errno));
			return SL_ERR_CAMERA;
		}
		maps_.emplace_back(m, l.second);
		bases[l.first] = static_cast<unsigned char *>(m);
	}
	std::array<unsigned char *, 3> pl{};
	const std::vector<lc::FrameBuffer::Plane> &fp = fb->planes();
	for (size_t i = 0; i < fp.size() && i < 3; i++) {
		unsigned int off =
		    fp[i].offset == lc::FrameBuffer::Plane::kInvalidOffset ? 0 : fp[i].offset;
		pl[i] = bases[fp[i].fd.get()] + off;
	}
	if (fp.size() == 1) {
		pl[1] = pl[0] + (size_t)stride_ * size_.height;
		pl[2] = pl[1] + (size_t)(stride_ / 2) * ((size_.height + 1) / 2);
	} else if (fp.size() != 3) {
		fail(why, "libcamera: unexpected YUV420 layout (%zu planes)", fp.size());
		return SL_ERR_CAMERA;
	}
	planes_[fb] = pl;
	return 0;
}

const lc::ControlId *Shim::control(const char *name) const
{
	for (const auto &entry : cam_->controls())
		if (entry.first->name() == name)
			return entry.first;
	return nullptr;
}

void Shim::set_bool(lc::ControlList &cl, const char *name, bool v) const
{
	const lc::ControlId *id = control(name);
	if (id && id->type() == lc::ControlTypeBool)
		cl.set(id->id(), lc::ControlValue(v));
}

void Shim::set_int(lc::ControlList &cl, const char *name, int32_t v) const
{
	const lc::ControlId *id = control(name);
	if (id && id->type() == lc::ControlTypeInteger32)
		cl.set(id->id(), lc::ControlValue(v));
}

void Shim::set_float(lc::ControlList &cl, const char *name, float v) const
{
	const lc::ControlId *id = control(name);
	if (id && id->type() == lc::ControlTypeFloat)
		cl.set(id->id(), lc::ControlValue(v));
}

/* ctl == NULL: metering, camera's auto exposure and white balance. */
void Shim::set_controls(lc::ControlList &cl, const struct camera_controls *ctl) const
{
	bool ae = ctl == nullptr || ctl->ae_enable;

	set_bool(cl, "AeEnable", ae);
	/* Newer libcamera: explicit auto/manual modes (0 auto, 1 manual). */
	set_int(cl, "ExposureTimeMode", ae ? 0 : 1);
	set_int(cl, "AnalogueGainMode", ae ? 0 : 1);
	if (ae) {
		/* Older libcamera keeps a fixed exposure while one is set;
		 * 0 hands it back to auto exposure where the range allows. */
		const lc::ControlId *id = control("ExposureTime");
		if (id && allows_zero(cam_->controls().at(id).min()))
			set_int(cl, "ExposureTime", 0);
		id = control("AnalogueGain");
		if (id && allows_zero(cam_->controls().at(id).min()))
			set_float(cl, "AnalogueGain", 0);
		set_float(cl, "ExposureValue", ctl ? (float)ctl->ev : 0.0f);
	} else {
		if (ctl->exposure_us > 0)
			set_int(cl, "ExposureTime", ctl->exposure_us);
		if (ctl->analogue_gain > 0)
			set_float(cl, "AnalogueGain", (float)ctl->analogue_gain);
	}
	if (ctl == nullptr) {
		set_bool(cl, "AwbEnable", true);
		set_int(cl, "AwbMode", CAMERA_AWB_AUTO);
		return;
	}

	enum camera_awb awb;
	if (ctl->awb_mode[0] != '\0' && camera_map_awb(ctl->awb_mode, &awb) == 0) {
		if (awb == CAMERA_AWB_CUSTOM) {
			int kelvin = camera_map_awb_kelvin("custom", ctl->colour_temp_k, 5500);
			set_bool(cl, "AwbEnable", false);
			const lc::ControlId *ct = control("ColourTemperature");
			if (ct && ct->type() == lc::ControlTypeInteger32) {
				set_int(cl, "ColourTemperature", kelvin);
			} else if (const lc::ControlId *cg = control("ColourGains")) {
				double r, b;
				camera_map_kelvin_gains(kelvin, &r, &b);
				std::array<float, 2> gains{(float)r, (float)b};
				cl.set(cg->id(), lc::ControlValue(lc::Span<const float, 2>(gains)));
			}
		} else {
			set_bool(cl, "AwbEnable", true);
			set_int(cl, "AwbMode", awb);
		}
	}
	enum camera_metering metering;
	if (ctl->metering[0] != '\0' && camera_map_metering(ctl->metering, &metering) == 0)
		set_int(cl, "AeMeteringMode", metering);
	enum camera_af af;
	if (ctl->af_mode[0] != '\0' && camera_map_af(ctl->af_mode, &af) == 0) {
		set_int(cl, "AfMode", af);
		if (af == CAMERA_AF_MANUAL && ctl->lens_position >= 0)
			set_float(cl, "LensPosition", (float)ctl->lens_position);
	}
	if (ctl->sharpness >= 0)
		set_float(cl, "Sharpness", (float)ctl->sharpness);
	if (ctl->contrast >= 0)
		set_float(cl, "Contrast", (float)ctl->contrast);
	if (ctl->saturation >= 0)
		set_float(cl, "Saturation", (float)ctl->saturation);
}

/* Queues the request once and waits for it. On a timeout the camera is
 * stopped, which completes (cancels) the request, and started again. */
int Shim::run_frame(bool with_controls, const struct camera_controls *ctl, int timeout_ms,
		    char why[ERRMSG_MAX])
{
	request_->reuse(lc::Request::ReuseBuffers);
	if (with_controls)
		set_controls(request_->controls(), ctl);
	{
		std::lock_guard<std::mutex> lock(mu_);
		done_ = false;
	}
	int ret = cam_->queueRequest(request_.get());
	if (ret < 0) {
		fail(why, "libcamera: cannot queue a request: %s", strerror(-ret));
		return SL_ERR_CAMERA;
	}
	std::unique_lock<std::mutex> lock(mu_);
	if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return done_; })) {
		lock.unlock();
		cam_->stop();
		started_ = cam_->start() == 0;
		fail(why, "libcamera: no frame within %d ms", timeout_ms);
		return SL_ERR_TIMEOUT;
	}
	if (request_->status() != lc::Request::RequestComplete ||
	    buffer_->metadata().status != lc::FrameMetadata::FrameSuccess) {
		fail(why, "libcamera: the frame was cancelled or failed");
		return SL_ERR_CAMERA;
	}
	return 0;
}

/* What the sensor reported for the last frame (lux -1: not reported). */
struct camera_meter Shim::read_meta()
{
	const lc::ControlList &md = request_->metadata();
	struct camera_meter m = {};

	m.lux = -1;

	if (auto v = md.get(lc::controls::ExposureTime))
		m.exposure_us = *v;
	if (auto v = md.get(lc::controls::AnalogueGain))
		m.analogue_gain = *v;
	if (auto v = md.get(lc::controls::Lux))
		m.lux = *v;
	if (auto v = md.get(lc::controls::ColourTemperature))
		m.colour_temp_k = *v;
	return m;
}

static bool near(double got, double want, double tolerance)
{
	return std::fabs(got - want) <= tolerance;
}

/* Runs frames until the sensor does what `ctl` asks (ctl == NULL: until
 * auto exposure settles); *meta is the last frame's, whose pixels stay in
 * the buffer. */
int Shim::take(const struct camera_controls *ctl, struct camera_meter *meta, char why[ERRMSG_MAX])
{
	bool manual = ctl != nullptr && !ctl->ae_enable;
	int frames = manual ? MANUAL_SETTLE_FRAMES : AE_SETTLE_FRAMES;
	int timeout =
	    FRAME_TIMEOUT_MS + (manual && ctl->exposure_us > 0 ? ctl->exposure_us / 333 : 1500);
	double last = -1;

	if (!started_) {
		fail(why, "libcamera: the camera is not running");
		return SL_ERR_CAMERA;
	}
	for (int i = 0; i < frames; i++) {
		int rc = run_frame(i == 0, ctl, timeout, why);
		if (rc < 0)
			return rc;
		*meta = read_meta();
		double product = meta->exposure_us * meta->analogue_gain;
		if (manual) {
			bool t_ok = ctl->exposure_us <= 0 ||
				    near(meta->exposure_us, ctl->exposure_us,
					 std::fmax(100.0, 0.03 * ctl->exposure_us));
			bool g_ok =
			    ctl->analogue_gain <= 0 || near(meta->analogue_gain, ctl->analogue_gain,
							    0.05 * ctl->analogue_gain);
			if (t_ok && g_ok)
				return 0;
		} else if (i >= 2 && near(product, last, 0.03 * last)) {
			return 0;
		}
		last = product;
	}
	return 0; /* settled or not, the last frame is the best there is */
}

int Shim::compress(tjhandle tj, int quality, unsigned char **jpeg, unsigned long *size,
		   char why[ERRMSG_MAX])
{
	std::array<unsigned char *, 3> &pl = planes_[buffer_];
	const unsigned char *planes[3] = {pl[0], pl[1], pl[2]};
	int strides[3] = {(int)stride_, (int)stride_ / 2, (int)stride_ / 2};

	if (tjCompressFromYUVPlanes(tj, planes, (int)size_.width, strides, (int)size_.height,
				    TJSAMP_420, jpeg, size, quality, TJFLAG_NOREALLOC) != 0) {
		fail(why, "libcamera: JPEG compression failed: %s", tjGetErrorStr2(tj));
		return SL_ERR_CAMERA;
	}
	return 0;
}

} /* namespace */

/* The C side: struct camera first, the C++ object behind a pointer. */
struct camera_lc {
	struct camera base;
	struct camera_info info;
	Shim *shim;
	tjhandle tj;
	unsigned char *jpeg_buf; /* tjBufSize() of the stream size, reused */
	unsigned long jpeg_cap;
};

extern "C" {

static void lc_close(struct camera *cam)
{
	struct camera_lc *c = reinterpret_cast<struct camera_lc *>(cam);

	if (c == nullptr)
		return;
	delete c->shim;
	if (c->tj)
		tjDestroy(c->tj);
	free(c->jpeg_buf);
	free(c);
}

static int lc_open(const char *arg, const struct camera_env *env, struct camera **out,
		   char why[ERRMSG_MAX])
{
	struct camera_lc *c;
	int rc;

	(void)arg;
	(void)env;
	*out = nullptr;
	c = static_cast<struct camera_lc *>(calloc(1, sizeof(*c)));
	if (c == nullptr) {
		fail(why, "libcamera: out of memory");
		return SL_ERR_NOMEM;
	}
	c->base.ops = &camera_libcamera_plugin_ops;
	try {
		c->shim = new Shim();
		rc = c->shim->open(&c->info, why);
	} catch (const std::exception &e) {
		fail(why, "libcamera: %s", e.what());
		rc = SL_ERR_CAMERA;
	}
	if (rc == 0) {
		c->tj = tjInitCompress();
		if (c->tj == nullptr) {
			fail(why, "libcamera: TurboJPEG: %s", tjGetErrorStr2(nullptr));
			rc = SL_ERR_CAMERA;
		}
	}
	if (rc < 0) {
		lc_close(&c->base);
		return rc;
	}
	*out = &c->base;
	return 0;
}

static int lc_meter(struct camera *cam, int64_t when_ms, struct camera_meter *out,
		    char why[ERRMSG_MAX])
{
	struct camera_lc *c = reinterpret_cast<struct camera_lc *>(cam);
	struct camera_meter m;
	int rc;

	(void)when_ms;
	memset(out, 0, sizeof(*out));
	try {
		rc = c->shim->take(nullptr, &m, why);
	} catch (const std::exception &e) {
		fail(why, "libcamera: %s", e.what());
		rc = SL_ERR_CAMERA;
	}
	if (rc < 0)
		return rc;
	*out = m;
	return 0;
}

static int lc_capture(struct camera *cam, const struct camera_controls *ctl, int64_t when_ms,
		      struct camera_frame *out, char why[ERRMSG_MAX])
{
	struct camera_lc *c = reinterpret_cast<struct camera_lc *>(cam);
	int quality = ctl->jpeg_quality >= 1 && ctl->jpeg_quality <= 100 ? ctl->jpeg_quality : 92;
	unsigned long size;
	struct camera_meter m = {};
	int rc = 0;

	(void)when_ms;
	try {
		/* 0: the full sensor size */
		lc::Size want = c->shim->full();
		if (ctl->width > 0 && ctl->height > 0)
			want = lc::Size((unsigned)ctl->width, (unsigned)ctl->height);
		if (want != c->shim->asked())
			rc = c->shim->configure(want, why);
		if (rc == 0)
			rc = c->shim->take(ctl, &m, why);
		lc::Size s = c->shim->size();
		unsigned long cap = tjBufSize((int)s.width, (int)s.height, TJSAMP_420);
		if (rc == 0 && cap != c->jpeg_cap) {
			free(c->jpeg_buf);
			c->jpeg_cap = 0;
			c->jpeg_buf = static_cast<unsigned char *>(malloc(cap));
			if (c->jpeg_buf == nullptr) {
				fail(why, "libcamera: out of memory for a JPEG");
				rc = SL_ERR_NOMEM;
			} else {
				c->jpeg_cap = cap;
			}
		}
		size = c->jpeg_cap;
		if (rc == 0)
			rc = c->shim->compress(c->tj, quality, &c->jpeg_buf, &size, why);
		if (rc == 0) {
			out->jpeg = static_cast<unsigned char *>(malloc(size));
			if (out->jpeg == nullptr) {
				fail(why, "libcamera: out of memory for a JPEG");
				rc = SL_ERR_NOMEM;
			} else {
				memcpy(out->jpeg, c->jpeg_buf, size);
				out->jpeg_size = size;
				out->width = (int)s.width;
				out->height = (int)s.height;
			}
		}
	} catch (const std::exception &e) {
		fail(why, "libcamera: %s", e.what());
		rc = SL_ERR_CAMERA;
	}
	if (rc < 0)
		return rc;
	out->exposure_us = m.exposure_us;
	out->analogue_gain = m.analogue_gain;
	out->lux = m.lux;
	out->colour_temp_k = m.colour_temp_k;
	snprintf(out->awb_mode, sizeof(out->awb_mode), "%s",
		 ctl->awb_mode[0] != '\0' ? ctl->awb_mode : "auto");
	return 0;
}

static const struct camera_info *lc_info(struct camera *cam)
{
	return &reinterpret_cast<struct camera_lc *>(cam)->info;
}

} /* extern "C" */

/* The one symbol the plugin exports; camera_libcamera_load.c looks it up. */
extern "C" __attribute__((visibility("default"))) const struct camera_ops
	camera_libcamera_plugin_ops = {
    "libcamera", lc_open, lc_close, lc_meter, lc_capture, lc_info,
};
